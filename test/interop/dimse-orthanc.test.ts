/**
 * Orthanc as a real third-party DICOM peer: Orthanc sends a study to our receiver (its REST API's
 * POST /modalities/<name>/store, its own C-STORE SCU), and `npm run send` sends a study to Orthanc's
 * C-STORE SCP. Orthanc runs with its own config and folders (bench/orthanc.ts); needs Debian's orthanc.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOrthancInstalled, startOrthanc, type RunningOrthanc } from '../../bench/orthanc.ts';
import { dcmtkAvailable, dcmtkSkipReason, endedAssociations, freePort, sendCli } from '../support/dimse-tools.ts';
import { getJson, waitFor } from '../support/gateway-calls.ts';
import { generatorAvailable, generatorSkipReason, makeStudy } from '../support/make-study.ts';
import { startStack, type Stack } from '../support/services.ts';

const skipReason = !isOrthancInstalled()
  ? 'Orthanc is not installed (apt-get install orthanc): Orthanc DIMSE interop skipped'
  : !dcmtkAvailable
    ? dcmtkSkipReason
    : !(await generatorAvailable())
      ? generatorSkipReason
      : undefined;
if (skipReason) console.warn(`[interop] ${skipReason}`);

describe.skipIf(skipReason)('DICOM with Orthanc', () => {
  let stack: Stack;
  let orthanc: RunningOrthanc;
  let orthancDicomPort: number;
  let work: string;
  let files: string[];

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'dsv-dimse-orthanc-'));
    files = await makeStudy('ct', path.join(work, 'ct'), ['--slices', '3', '--rows', '64', '--cols', '64', '--seed', '185']);
    const port = await freePort();
    stack = await startStack({ DIMSE_PORT: String(port), DIMSE_AE_TITLE: 'DSV', DIMSE_ALLOWED_CALLING_AE_TITLES: 'ORTHANC' });
    orthancDicomPort = await freePort();
    process.env.TCP_NODELAY = '1';
    orthanc = await startOrthanc({
      dicom: { port: orthancDicomPort, aeTitle: 'ORTHANC', modalities: { dsv: ['DSV', '127.0.0.1', port] } },
    });
  });

  afterAll(async () => {
    await orthanc?.stop();
    await stack?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('when Orthanc stores a study to our receiver (POST /modalities/dsv/store), then Orthanc reports success and we hold the study', async () => {
    const ids: string[] = [];
    for (const file of files) {
      const answer = await fetch(`${orthanc.url}/instances`, { method: 'POST', body: await readFile(file) });
      expect(answer.status).toBe(200);
      ids.push(((await answer.json()) as { ID: string }).ID);
    }
    const before = endedAssociations(stack.gateway).length;
    const store = await fetch(`${orthanc.url}/modalities/dsv/store`, {
      method: 'POST',
      body: JSON.stringify({ Resources: ids, Synchronous: true }),
    });
    const body = (await store.json()) as Record<string, unknown>;
    expect(store.status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ InstancesCount: 3, FailedInstancesCount: 0 });
    const ended = await waitFor(
      async () => endedAssociations(stack.gateway),
      (list) => list.length > before,
    );
    const association = (await getJson(`${stack.gateway.url}/status/${ended.at(-1)}`)).body;
    expect(association).toMatchObject({ state: 'released', peer: { callingAeTitle: 'ORTHANC' }, counts: { instances: 3, failed: 0 } });
    const study = await getJson(`${stack.gateway.url}/studies/${association.studies[0].StudyInstanceUID}`);
    expect(study.body.files).toHaveLength(3);
  });

  it('when npm run send sends a study to Orthanc, then Orthanc holds every instance', async () => {
    const other = await makeStudy('mr', path.join(work, 'mr'), ['--slices', '2', '--rows', '32', '--cols', '32', '--seed', '186']);
    const sent = await sendCli(['--host', '127.0.0.1', '--port', String(orthancDicomPort), '--aet', 'ORTHANC', ...other]);
    expect(sent.code, sent.output).toBe(0);
    expect(sent.output).toMatch(/sent 2, warned 0, failed 0/);
    const uid = /study (\S+):/.exec(sent.output)![1]!;
    const found = (await (
      await fetch(`${orthanc.url}/tools/find`, {
        method: 'POST',
        body: JSON.stringify({ Level: 'Instance', Query: { StudyInstanceUID: uid } }),
      })
    ).json()) as string[];
    expect(found).toHaveLength(2);
  });
});
