import { readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { DescribeResultSchema, newStudyId, type DescribeRequest } from '@dsv/common';
import { corpusAvailable, corpusPath } from '../../../test/support/corpus.ts';
import { asUpload, describeRequest, invalidReport, type UploadFile } from '../support/describe-request.ts';
import { createTestDescriptor, listTree, postByReference, postStudy, type TestDescriptor } from '../support/descriptor-app.ts';
import { incomingEntries, sha256, stageForReference } from '../support/staged-study.ts';

/**
 * The gateway's by-reference call: the DescribeRequest as JSON (alone in its batch here), the files
 * already in <stagingDir>/<id>/ as the gateway staged them, each with its size and sha256.
 */
describe.skipIf(!corpusAvailable)('POST /v1/deliveries, application/json (one delivery by reference)', () => {
  let descriptor: TestDescriptor;
  beforeEach(async () => {
    descriptor = await createTestDescriptor();
  });
  afterEach(() => descriptor.remove());

  const stagedDir = (id: string) => path.join(descriptor.config.stagingDir, id);
  const incoming = () => incomingEntries(descriptor.config);
  /** What studies/ holds besides its assembly folder: a study folder is named by its StudyInstanceUID. */
  const storedEntries = async () => (await listTree(descriptor.config.studiesDir)).filter((entry) => !entry.startsWith('.incoming'));

  const stage = (id: string, files: UploadFile[], report?: Parameters<typeof describeRequest>[2]): Promise<DescribeRequest> =>
    stageForReference(descriptor.config.stagingDir, id, files, report);

  const send = (body: unknown) => postByReference(descriptor.app, body);

  describe('when a valid study is named by reference', () => {
    it('then it is stored with every file hard-linked from staging (same inode), and the same answer as when streamed', async () => {
      const id = newStudyId();
      const streamedId = newStudyId();
      const files = asUpload([corpusPath('valid/studies/pcir-ct-head/17106.dcm'), corpusPath('valid/studies/pcir-ct-head/17136.dcm')]);
      const body = await stage(id, files);
      // Streamed into an archive of its own: into this one, the same files would join the study as duplicates.
      const streamedInto = await createTestDescriptor();
      onTestFinished(() => streamedInto.remove());

      const response = await send(body);
      expect(response.status).toBe(201);
      const result = DescribeResultSchema.parse(response.body);
      const streamed = DescribeResultSchema.parse(
        (await postStudy(streamedInto.app, describeRequest(streamedId, files), files).expect(201)).body,
      );
      expect(result.files.originals).toHaveLength(2);
      expect(result.study).toEqual(streamed.study);
      expect(result.join).toEqual(streamed.join);

      expect(
        result.files.originals.map(({ file, sizeBytes, sha256: hash, SOPInstanceUID }) => ({ file, sizeBytes, hash, SOPInstanceUID })),
      ).toEqual(
        streamed.files.originals.map(({ file, sizeBytes, sha256: hash, SOPInstanceUID }) => ({ file, sizeBytes, hash, SOPInstanceUID })),
      );
      for (const original of result.files.originals) {
        const stored = path.resolve(original.path);
        const staged = path.join(stagedDir(id), original.file);
        expect((await stat(stored)).ino).toBe((await stat(staged)).ino);
        expect(await sha256(stored)).toBe(original.sha256);
      }
      // The same documents but for the delivery id.
      const metadata = (into: TestDescriptor, deliveryId: string) =>
        readFile(path.join(into.config.studiesDir, result.study!.StudyInstanceUID, 'metadata.json'), 'utf8').then((text) =>
          JSON.parse(text.replaceAll(deliveryId, '<id>')),
        );
      const [byReference, byStream] = await Promise.all([metadata(descriptor, id), metadata(streamedInto, streamedId)]);
      expect(byReference.deliveries).toEqual(['<id>']);
      expect(byReference).toEqual(byStream);
      expect(await incoming()).toEqual([]);
    });

    it('then a second call (a retry) answers 200 alreadyStored and links nothing', async () => {
      const id = newStudyId();
      const body = await stage(id, asUpload([corpusPath('valid/samples/CT_small.dcm')]));
      expect((await send(body)).status).toBe(201);
      const again = await send(body);
      expect(again.status).toBe(200);
      expect(again.body.alreadyStored).toBe(true);
      expect(await incoming()).toEqual([]);
    });

    it('then a rejected study keeps the staged names under rejected/<id>/files/', async () => {
      const id = newStudyId();
      const body = await stage(id, asUpload([corpusPath('valid/samples/CT_small.dcm')]), invalidReport(id, []));
      expect((await send(body)).status).toBe(201);
      expect(await listTree(path.join(descriptor.config.rejectedDir, id))).toContain('files/0001.dcm');
    });
  });

  describe('when the files cannot be taken by reference', () => {
    it('then a file missing from staging answers 422 STAGED_FILE_UNAVAILABLE and leaves nothing behind', async () => {
      const id = newStudyId();
      const body = await stage(id, asUpload([corpusPath('valid/samples/CT_small.dcm')]));
      body.files.push({ file: '0002.dcm', clientName: 'gone.dcm', sizeBytes: 10, sha256: '0'.repeat(64) });
      const response = await send(body);
      expect(response.status).toBe(422);
      expect(response.body.error).toMatchObject({ code: 'STAGED_FILE_UNAVAILABLE', details: { file: '0002.dcm' } });
      expect(await storedEntries()).toEqual([]);
      expect(await incoming()).toEqual([]);
    });

    it('then a staged file of another size than the gateway recorded answers 422 and nothing is stored', async () => {
      const id = newStudyId();
      const body = await stage(id, asUpload([corpusPath('valid/samples/CT_small.dcm')]));
      body.files[0]!.sizeBytes! += 1;
      const response = await send(body);
      expect(response.status).toBe(422);
      expect(response.body.error.code).toBe('STAGED_FILE_UNAVAILABLE');
      expect(await incoming()).toEqual([]);
    });

    it('then a symbolic link in place of a staged file is refused (422 STAGED_FILE_UNAVAILABLE), never followed', async () => {
      const id = newStudyId();
      const body = await stage(id, asUpload([corpusPath('valid/samples/CT_small.dcm')]));
      await writeFile(path.join(descriptor.dir, 'secret.dcm'), 'not for you');
      const planted = path.join(stagedDir(id), '0001.dcm');
      await rm(planted);
      await symlink(path.join(descriptor.dir, 'secret.dcm'), planted);
      const response = await send(body);
      expect(response.status).toBe(422);
      expect(response.body.error.code).toBe('STAGED_FILE_UNAVAILABLE');
      expect(await storedEntries()).toEqual([]);
      expect(await incoming()).toEqual([]);
    });

    it('then a request without the size or hash of a file answers 400 REQUEST_INVALID', async () => {
      const id = newStudyId();
      const body = await stage(id, asUpload([corpusPath('valid/samples/CT_small.dcm')]));
      delete body.files[0]!.sha256;
      const response = await send(body);
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('REQUEST_INVALID');
    });

    it('then a name that is not a stored name never becomes a path (400)', async () => {
      const id = newStudyId();
      const body = await stage(id, asUpload([corpusPath('valid/samples/CT_small.dcm')]));
      body.files[0]!.file = '../../etc/passwd';
      const response = await send(body);
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('REQUEST_INVALID');
    });

    it('then a descriptor without a stagingDir answers 422 STAGED_FILE_UNAVAILABLE', async () => {
      const bare = await createTestDescriptor({}, { stagingDir: '' });
      try {
        const id = newStudyId();
        const body = await stage(id, asUpload([corpusPath('valid/samples/CT_small.dcm')]));
        const response = await postByReference(bare.app, body);
        expect(response.status).toBe(422);
        expect(response.body.error.code).toBe('STAGED_FILE_UNAVAILABLE');
      } finally {
        await bare.remove();
      }
    });
  });
});
