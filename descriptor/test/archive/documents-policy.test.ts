import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newStudyId } from '@dsv/common';
import request from 'supertest';
import { corpusPath } from '../../../test/support/corpus.ts';
import { corpusSuite } from '../../../test/support/corpus-suite.ts';
import { StudyDocuments } from '../../src/archive/study-documents.ts';
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
