import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { corpusAvailable, corpusPath, loadManifest, entryFiles } from '../support/corpus.ts';
import { sha256, storedOriginalHashes, studyFolder, upload, type Body } from '../support/gateway-calls.ts';
import { logged, loggedEntries } from '../support/logs.ts';
import { startStack, type ServiceProcess, type Stack } from '../support/services.ts';

/**
 * How staged files reach the validator and descriptor (issue 7): by reference when the three share the
 * staging folder (the default), as multipart streams when told (services on other hosts), and by
 * streams after one refused reference when a service cannot see the folder. Same study stored each way.
 */
const transportsLogged = (service: ServiceProcess): string[] =>
  loggedEntries(service).flatMap((entry) => (entry.transport ? [entry.transport as string] : []));
/** The answers of a service's one delivery route, from its access log (at debug when answered): `<route> <status>`. */
const deliveryRouteAnswers = (service: ServiceProcess): string[] =>
  logged(service, 'request')
    .filter((entry) => entry.route === '/v1/validations' || entry.route === '/v1/deliveries')
    .map((entry) => `${entry.route} ${entry.status}`);

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
    // By reference each service answers a JSON batch with 200 and the delivery's own status inside it.
    { when: 'the services share the staging folder (the default)', env: {}, transport: 'reference', descriptorStatus: 200 },
    { when: 'pipeline.transport is "stream"', env: { PIPELINE_TRANSPORT: 'stream' }, transport: 'stream', descriptorStatus: 201 },
  ])(
    'when $when, then the files go by $transport to the one delivery route of each service and the study is stored byte for byte',
    async ({ env, transport, descriptorStatus }) => {
      stack = await startStack({ LOG_LEVEL: 'debug', ...env });
      const files = study();
      const res = await upload(stack.gateway.url, files, '?wait=true');
      expect(res.status).toBe(201);
      expectStoredAsSent(res.body, files);
      // The services log asynchronously: a line may reach the pipe a moment after the answer.
      await vi.waitFor(() => {
        expect(transportsLogged(stack!.validator)).toEqual([transport]);
        expect(transportsLogged(stack!.descriptor)).toEqual([transport]);
        expect(deliveryRouteAnswers(stack!.validator)).toEqual(['/v1/validations 200']);
        expect(deliveryRouteAnswers(stack!.descriptor)).toEqual([`/v1/deliveries ${descriptorStatus}`]);
      });
    },
  );

  it('when the validator and descriptor cannot see the staging folder, then the gateway streams after one refusal each, warns once, and stores', async () => {
    stack = await startStack({ LOG_LEVEL: 'debug' });
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
    // One refused reference each (a JSON batch answered 200 with the study's 422 in it), then streams only.
    await vi.waitFor(() => {
      expect(transportsLogged(stack!.validator)).toEqual(['stream', 'stream']);
      expect(transportsLogged(stack!.descriptor)).toEqual(['stream', 'stream']);
      expect(deliveryRouteAnswers(stack!.validator)).toEqual(['/v1/validations 200', '/v1/validations 200', '/v1/validations 200']);
      expect(deliveryRouteAnswers(stack!.descriptor)).toEqual(['/v1/deliveries 200', '/v1/deliveries 201', '/v1/deliveries 201']);
      const warnings = stack!.gateway.output.filter((line) => line.includes('STAGED_FILE_UNAVAILABLE'));
      expect(warnings.map((line) => JSON.parse(line).service).sort()).toEqual(['descriptor', 'validator']);
    });
  });
});
