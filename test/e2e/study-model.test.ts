import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatorAvailable, generatorSkipReason, makeStudy } from '../support/make-study.ts';
import {
  getJson,
  storedOriginalHashes,
  sha256,
  statusOf,
  upload,
  visibleEntries,
  waitForStable,
  type Body,
} from '../support/gateway-calls.ts';
import { startStack, type Stack } from '../support/services.ts';

/**
 * Issue 20, "the archive keeps DICOM studies", over the three real processes: the DICOM study is the unit,
 * built from every delivery that brings its instances, whatever the order or the concurrency.
 */
const canGenerate = await generatorAvailable();
if (!canGenerate) console.warn(`[study-model] ${generatorSkipReason}`);

describe.skipIf(!canGenerate)('the archive keeps DICOM studies', () => {
  let stack: Stack;
  let dir: string;
  /** 12 CT slices of one study. */
  let series: string[];
  let studyUid: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-study-model-'));
    series = await makeStudy('ct', path.join(dir, 'ct'), ['--slices', '12', '--rows', '64', '--cols', '64', '--seed', '20']);
    stack = await startStack({ STABLE_AFTER_SECONDS: '1' });
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /**
   * metadata.json and fhir.json of a study once it is stable, as the gateway tells it through the status of
   * one of its deliveries (it marks the study stable, and writes study.stable, after the descriptor has
   * written the documents); then the descriptor's GET /studies/<uid> says stable too.
   */
  async function stableStudy(uid: string, deliveryId: string): Promise<{ metadata: Body; fhir: Body }> {
    const status = await waitForStable(stack, deliveryId, 20_000);
    expect(status.study).toMatchObject({ StudyInstanceUID: uid, stableAt: expect.any(String) });
    const study = await getJson(`${stack.gateway.url}/studies/${uid}`);
    expect(study.body).toMatchObject({ id: uid, state: 'stable' });
    const folder = path.join(stack.studiesDir, uid);
    return {
      metadata: JSON.parse(await readFile(path.join(folder, 'metadata.json'), 'utf8')),
      fhir: JSON.parse(await readFile(path.join(folder, 'fhir.json'), 'utf8')),
    };
  }

  it('when a study is sent one file per request, then it ends in one folder whose metadata.json and fhir.json count every instance', async () => {
    const ids: string[] = [];
    for (const file of series.slice(0, 6)) {
      const answer = await upload(stack.gateway.url, [file], '?wait=true');
      expect(answer.status).toBe(201);
      ids.push(answer.body.id);
    }
    const status = await statusOf(stack, ids.at(-1)!);
    studyUid = status.study.StudyInstanceUID;
    expect(status).toMatchObject({ state: 'stored', study: { StudyInstanceUID: studyUid, numberOfInstances: 6 } });
    expect(visibleEntries(stack.studiesDir)).toEqual([studyUid]);
    // While receiving, metadata.json already lists every stored instance.
    const metadata = JSON.parse(await readFile(path.join(stack.studiesDir, studyUid, 'metadata.json'), 'utf8'));
    expect(metadata.summary.numberOfInstances).toBe(6);
    expect(storedOriginalHashes(path.join(stack.studiesDir, studyUid))).toEqual(series.slice(0, 6).map(sha256).sort());
  });

  it('when the rest comes at once in 12 parallel requests (half of them again), then the one study holds every instance once', async () => {
    const answers = await Promise.all(series.map((file) => upload(stack.gateway.url, [file], '?wait=true')));
    expect(answers.map((answer) => answer.status)).toEqual(series.map(() => 201));
    const duplicates = answers.reduce((sum, answer) => sum + (answer.body.join?.duplicates?.length ?? 0), 0);
    expect(duplicates).toBe(6);
    const { metadata, fhir } = await stableStudy(studyUid, answers.at(-1)!.body.id);
    expect(metadata.summary.numberOfInstances).toBe(12);
    const imagingStudy = fhir.entry.find((entry: Body) => entry.resource.resourceType === 'ImagingStudy');
    expect(imagingStudy.resource.numberOfInstances).toBe(12);
    expect(imagingStudy.request.method).toBe('PUT');
    expect(storedOriginalHashes(path.join(stack.studiesDir, studyUid))).toEqual(series.map(sha256).sort());
    const list = await getJson(`${stack.gateway.url}/studies`);
    expect(list.body.studies.filter((study: Body) => study.id === studyUid)).toHaveLength(1);
    expect(list.body.studies.find((study: Body) => study.id === studyUid).summary.numberOfInstances).toBe(12);
  });

  it('when the same files come again, then nothing is stored twice and the delivery says so', async () => {
    const answer = await upload(stack.gateway.url, series.slice(0, 3), '?wait=true');
    expect(answer.status).toBe(201);
    const status = await statusOf(stack, answer.body.id);
    expect(status.join).toMatchObject({ added: 0 });
    expect(status.join.duplicates).toHaveLength(3);
    expect(status.study.numberOfInstances).toBe(12);
    expect(storedOriginalHashes(path.join(stack.studiesDir, studyUid))).toHaveLength(12);
  });

  it('when an instance comes with other bytes, then 409 INSTANCE_CONFLICT, the delivery is under rejected/ and the study untouched', async () => {
    const changed = Buffer.from(readFileSync(series[4]!));
    changed[changed.length - 1] = (changed[changed.length - 1]! + 1) % 256;
    const file = path.join(dir, 'changed.dcm');
    await writeFile(file, changed);
    const before = storedOriginalHashes(path.join(stack.studiesDir, studyUid));
    const answer = await upload(stack.gateway.url, [file], '?wait=true');
    expect(answer.status).toBe(409);
    expect(answer.body).toMatchObject({ state: 'rejected', outcome: { code: 'INSTANCE_CONFLICT' } });
    expect(visibleEntries(stack.rejectedDir)).toContain(answer.body.id);
    expect(storedOriginalHashes(path.join(stack.studiesDir, studyUid))).toEqual(before);
  });

  it('when the same StudyInstanceUID comes under another PatientID, then 422 INCONSISTENT_PATIENT and the study is untouched', async () => {
    const other = await makeStudy('ct', path.join(dir, 'other-patient'), [
      '--slices',
      '1',
      '--rows',
      '64',
      '--cols',
      '64',
      '--seed',
      '21',
      '--study-uid',
      studyUid,
      '--patient-id',
      'OTHER-PATIENT',
    ]);
    const before = storedOriginalHashes(path.join(stack.studiesDir, studyUid));
    const answer = await upload(stack.gateway.url, other, '?wait=true');
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ state: 'rejected', outcome: { code: 'INCONSISTENT_PATIENT' } });
    expect(storedOriginalHashes(path.join(stack.studiesDir, studyUid))).toEqual(before);
  });

  it('when a new series of the study comes later, then the study is receiving again, then stable with both series, and study.stable is in the event feed', async () => {
    const more = await makeStudy('ct', path.join(dir, 'second-series'), [
      '--slices',
      '2',
      '--rows',
      '64',
      '--cols',
      '64',
      '--seed',
      '20',
      '--study-uid',
      studyUid,
      '--series-number',
      '2',
    ]);
    const answer = await upload(stack.gateway.url, more, '?wait=true');
    expect(answer.status).toBe(201);
    expect((await statusOf(stack, answer.body.id)).study).toMatchObject({
      StudyInstanceUID: studyUid,
      state: 'receiving',
      numberOfSeries: 2,
      numberOfInstances: 14,
    });
    const { metadata } = await stableStudy(studyUid, answer.body.id);
    expect(metadata.summary).toMatchObject({ numberOfSeries: 2, numberOfInstances: 14 });
    const feed = await getJson(`${stack.gateway.url}/events?since=0&limit=1000`);
    const stable = feed.body.events.filter((event: Body) => event.type === 'study.stable' && event.data.studyInstanceUid === studyUid);
    expect(stable.length).toBeGreaterThanOrEqual(2);
    expect(stable.at(-1).data).toMatchObject({ instances: 14, series: 2 });
    const seqs = feed.body.events.map((event: Body) => event.seq);
    expect(seqs).toEqual([...seqs].sort((a: number, b: number) => a - b));
  });
});
