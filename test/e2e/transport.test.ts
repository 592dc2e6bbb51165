import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { corpusAvailable, corpusPath, loadManifest, entryFiles } from '../support/corpus.ts';
import { sha256, storedOriginalHashes, studyFolder, upload, type Body } from '../support/gateway-calls.ts';
import { loggedEntries } from '../support/logs.ts';
import { startStack, type ServiceProcess, type Stack } from '../support/services.ts';

/**
 * How staged files reach the validator and descriptor (issue 7): by reference when the three share the
 * staging folder (the default), as multipart streams when told (services on other hosts), and by
 * streams after one refused reference when a service cannot see the folder. Same study stored each way.
 */
const transportsLogged = (service: ServiceProcess): string[] =>
  loggedEntries(service).flatMap((entry) => (entry.transport ? [entry.transport as string] : []));

describe.skipIf(!corpusAvailable)('file transport between the services', () => {
  let stack: Stack | undefined;
  let elsewhere: string | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
    if (elsewhere) await rm(elsewhere, { recursive: true, force: true });
  });

  const study = () => entryFiles(loadManifest().find((entry) => entry.path === 'valid/studies/pcir-ct-head')!);
  const expectStoredAsSent = (status: Body, files: string[]) => {
    expect(storedOriginalHashes(studyFolder(stack!, status))).toEqual(files.map(sha256).sort());
  };

  it.each([
    { when: 'the services share the staging folder (the default)', env: {}, transport: 'reference' },
    { when: 'pipeline.transport is "stream"', env: { PIPELINE_TRANSPORT: 'stream' }, transport: 'stream' },
  ])('when $when, then the files go by $transport and the study is stored byte for byte', async ({ env, transport }) => {
    stack = await startStack(env);
    const files = study();
    const res = await upload(stack.gateway.url, files, '?wait=true');
    expect(res.status).toBe(201);
    expectStoredAsSent(res.body, files);
    // The services log asynchronously: a line may reach the pipe a moment after the answer.
    await vi.waitFor(() => {
      expect(transportsLogged(stack!.validator)).toEqual([transport]);
      expect(transportsLogged(stack!.descriptor)).toEqual([transport]);
    });
  });

  it('when the validator and descriptor cannot see the staging folder, then the gateway streams after one refusal each, warns once, and stores', async () => {
    stack = await startStack();
    elsewhere = await mkdtemp(path.join(os.tmpdir(), 'dsv-other-host-'));
    // As if on another host: their STAGING_DIR is a folder the gateway never writes to.
    stack.env.validator.STAGING_DIR = elsewhere;
    stack.env.descriptor.STAGING_DIR = elsewhere;
    await Promise.all([stack.restart('validator'), stack.restart('descriptor')]);

    const first = await upload(stack.gateway.url, study(), '?wait=true');
    const second = await upload(stack.gateway.url, [corpusPath('valid/samples/CT_small.dcm')], '?wait=true');
    expect([first.status, second.status]).toEqual([201, 201]);
    expectStoredAsSent(first.body, study());
    expectStoredAsSent(second.body, [corpusPath('valid/samples/CT_small.dcm')]);
    // One refused reference each (422, logged as refused), then streams only.
    await vi.waitFor(() => {
      expect(transportsLogged(stack!.validator)).toEqual(['stream', 'stream']);
      expect(transportsLogged(stack!.descriptor)).toEqual(['stream', 'stream']);
      const warnings = stack!.gateway.output.filter((line) => line.includes('STAGED_FILE_UNAVAILABLE'));
      expect(warnings.map((line) => JSON.parse(line).service).sort()).toEqual(['descriptor', 'validator']);
    });
  });
});
