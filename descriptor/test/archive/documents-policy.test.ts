import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { newStudyId } from '@dsv/common';
import request from 'supertest';
import { corpusPath } from '../../../test/support/corpus.ts';
import { corpusSuite } from '../../../test/support/corpus-suite.ts';
import { generatorAvailable, generatorSkipReason, makeStudy } from '../../../test/support/make-study.ts';
import { StudyDocuments, studyMetadata } from '../../src/archive/study-documents.ts';
import { formatJson, PRETTY_MAX_INSTANCES } from '../../src/domain/metadata/format-json.ts';
import { asUpload, describeRequest } from '../support/describe-request.ts';
import { createTestDescriptor, postStudy, type TestDescriptor } from '../support/descriptor-app.ts';
import { referenceValues } from '../support/reference-values.ts';

const SLICES = Array.from({ length: 5 }, (_, index) => `valid/synthetic/ct-512-explicit-le/CT_${String(index + 1).padStart(4, '0')}.dcm`);

/**
 * A study's documents are rewritten before a delivery's answer while the study is small; past
 * documents.awaitMaxInstances, at most every rewriteIntervalMs, and whenever someone reads them.
 */
corpusSuite('documents of a large study', () => {
  const uid = referenceValues(SLICES[0]!)('StudyInstanceUID');
  let descriptor: TestDescriptor;
  beforeEach(async () => {
    // A "large" study of more than 2 instances; its rewrite waits longer than any test runs.
    descriptor = await createTestDescriptor({}, { documents: { awaitMaxInstances: 2, rewriteIntervalMs: 60_000 } });
  });
  afterEach(() => descriptor.remove());

  const deliver = async (relative: string) => {
    const id = newStudyId();
    const files = asUpload([corpusPath(relative)]);
    await postStudy(descriptor.app, describeRequest(id, files), files).expect(201);
  };
  const onDisk = async () =>
    JSON.parse(await readFile(path.join(descriptor.config.studiesDir, uid, 'metadata.json'), 'utf8')) as { instances: unknown[] };

  describe('when deliveries join it one instance at a time', () => {
    it('then its documents list every instance up to the limit at each answer, and past it the catalogue marks them due', async () => {
      await deliver(SLICES[0]!);
      await deliver(SLICES[1]!);
      expect((await onDisk()).instances).toHaveLength(2);
      expect(descriptor.catalogue.study(uid)).toMatchObject({ documentsDue: false });
      await deliver(SLICES[2]!);
      await deliver(SLICES[3]!);
      // Answered without waiting for the rewrite: the catalogue says the documents are behind it.
      expect(descriptor.catalogue.study(uid)).toMatchObject({ numberOfInstances: 4, documentsDue: true });
      expect((await onDisk()).instances).toHaveLength(2);
    });

    it("then a delivery that does not await the documents (a C-STORE's) is answered before they are rewritten, even in a small study", async () => {
      await deliver(SLICES[0]!);
      const id = newStudyId();
      const files = asUpload([corpusPath(SLICES[1]!)]);
      await postStudy(descriptor.app, { ...describeRequest(id, files), awaitDocuments: false }, files).expect(201);
      expect(descriptor.catalogue.study(uid)).toMatchObject({ numberOfInstances: 2, documentsDue: true });
      expect((await onDisk()).instances).toHaveLength(1);
      const metadata = await request(descriptor.app).get(`/studies/${uid}/metadata`).expect(200);
      expect(JSON.parse(metadata.text).instances).toHaveLength(2);
    });

    it('then GET /studies/<uid> lists every file, and each can be fetched, while the documents are behind', async () => {
      for (const slice of SLICES.slice(0, 3)) await deliver(slice);
      expect(descriptor.catalogue.study(uid)).toMatchObject({ documentsDue: true });
      const study = await request(descriptor.app).get(`/studies/${uid}`).expect(200);
      expect(study.body.files).toHaveLength(3);
      for (const relative of SLICES.slice(0, 3)) {
        const sop = referenceValues(relative)('SOPInstanceUID');
        const file = await request(descriptor.app).get(`/studies/${uid}/files/${sop}`).responseType('blob').expect(200);
        expect(Buffer.from(file.body as Buffer).equals(await readFile(corpusPath(relative)))).toBe(true);
      }
    });

    it('then GET /studies/<uid>/metadata and /validation bring the documents up to date before they are read', async () => {
      for (const slice of SLICES) await deliver(slice);
      const metadata = await request(descriptor.app).get(`/studies/${uid}/metadata`).expect(200);
      expect(JSON.parse(metadata.text).instances).toHaveLength(SLICES.length);
      expect((await onDisk()).instances).toHaveLength(SLICES.length);
      const log = await request(descriptor.app).get(`/studies/${uid}/validation`).expect(200);
      expect(log.text.match(/^Delivery /gm)).toHaveLength(SLICES.length);
      expect(descriptor.catalogue.study(uid)).toMatchObject({ documentsDue: false });
    });

    it('then closing writes the rewrites still waiting, and a start after a stop without them (a crash) writes them too', async () => {
      for (const slice of SLICES.slice(0, 4)) await deliver(slice);
      await descriptor.documents.close();
      expect((await onDisk()).instances).toHaveLength(4);
      expect(descriptor.catalogue.study(uid)).toMatchObject({ documentsDue: false });

      await deliver(SLICES[4]!);
      expect((await onDisk()).instances).toHaveLength(4);
      // As after a crash: another writer over the same catalogue repairs what is due.
      const afterCrash = new StudyDocuments(descriptor.catalogue, descriptor.config.studiesDir, descriptor.config.documents);
      expect(await afterCrash.repair()).toBe(1);
      expect((await onDisk()).instances).toHaveLength(5);
    });
  });

  describe('when the rewrite interval passes', () => {
    it('then the documents catch up without anyone asking', async () => {
      await descriptor.remove();
      descriptor = await createTestDescriptor({}, { documents: { awaitMaxInstances: 1, rewriteIntervalMs: 50 } });
      await deliver(SLICES[0]!);
      await deliver(SLICES[1]!);
      await deliver(SLICES[2]!);
      await expect.poll(async () => (await onDisk()).instances.length, { timeout: 10_000 }).toBe(3);
      await expect.poll(() => descriptor.catalogue.study(uid)?.documentsDue, { timeout: 10_000 }).toBe(false);
    });
  });
});

const canGenerate = await generatorAvailable();
if (!canGenerate) console.warn(`[documents of a large study, kept between rewrites] ${generatorSkipReason}`);

/**
 * Past PRETTY_MAX_INSTANCES, a rewrite writes metadata.json from the instances it kept from the last one
 * and those that joined since: the same document as one made from the whole catalogue.
 */
describe.skipIf(!canGenerate)('documents of a study past PRETTY_MAX_INSTANCES', () => {
  let dir: string;
  let slices: string[];
  let descriptor: TestDescriptor;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-large-documents-'));
    slices = await makeStudy('ct', path.join(dir, 'ct'), [
      '--slices',
      String(PRETTY_MAX_INSTANCES + 12),
      '--rows',
      '8',
      '--cols',
      '8',
      '--seed',
      '71',
    ]);
    descriptor = await createTestDescriptor({ maxFiles: 1000 }, { documents: { awaitMaxInstances: 0, rewriteIntervalMs: 60_000 } });
  }, 120_000);
  afterAll(async () => {
    await descriptor?.remove();
    await rm(dir, { recursive: true, force: true });
  });

  it('when deliveries join it, then each rewrite writes byte for byte the document of the whole catalogue, in a study folder of all its files', async () => {
    let uid = '';
    const expected = () => {
      const study = descriptor.catalogue.study(uid)!;
      return formatJson(studyMetadata(descriptor.catalogue, study, descriptor.catalogue.studyInstances(uid)), study.numberOfInstances);
    };
    // One instance first (it moves into originals/ when the second comes), then a delivery that takes the
    // study past the limit, then a few one at a time, in another order than their instance numbers.
    const deliveries = [
      slices.slice(0, 1),
      slices.slice(1, PRETTY_MAX_INSTANCES + 5),
      ...slices
        .slice(PRETTY_MAX_INSTANCES + 5)
        .reverse()
        .map((s) => [s]),
    ];
    for (const sources of deliveries) {
      const files = asUpload(sources);
      const answer = await postStudy(descriptor.app, describeRequest(newStudyId(), files), files).expect(201);
      uid = answer.body.study.StudyInstanceUID as string;
      await request(descriptor.app).get(`/studies/${uid}/metadata`).expect(200);
      expect(await readFile(path.join(descriptor.config.studiesDir, uid, 'metadata.json'), 'utf8')).toBe(expected());
    }
    const written = JSON.parse(expected()) as { summary: { numberOfInstances: number }; instances: { InstanceNumber: number }[] };
    expect(written.summary.numberOfInstances).toBe(slices.length);
    expect(written.instances.map((instance) => instance.InstanceNumber)).toEqual(slices.map((_, index) => index + 1));
  });
});
