import { createHash } from 'node:crypto';
import { chmod, mkdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DescribeResultSchema, newStudyId, type LifecycleEvent } from '@dsv/common';
import request from 'supertest';
import { corpusAvailable, corpusPath, loadManifest } from '../../../test/support/corpus.ts';
import { asUpload, describeRequest, invalidReport, validReport, type UploadFile } from '../support/describe-request.ts';
import { createTestDescriptor, FIXED_NOW, listTree, postStudy, type TestDescriptor } from '../support/descriptor-app.ts';
import { referenceValues } from '../support/reference-values.ts';

const sha256 = async (file: string): Promise<string> =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
const manifest = corpusAvailable ? loadManifest() : [];
const manifestHash = (relative: string): string => manifest.find((entry) => entry.path === relative)!.sha256!;
/** The StudyInstanceUID dcmdump read from a corpus file: the name of its study folder. */
const studyUidOf = (relative: string): string => referenceValues(relative)('StudyInstanceUID');

describe.skipIf(!corpusAvailable)('POST /v1/deliveries, multipart/form-data (one delivery streamed)', () => {
  let descriptor: TestDescriptor;
  let published: LifecycleEvent[];
  beforeEach(async () => {
    descriptor = await createTestDescriptor();
    published = [];
    descriptor.events.on('storage.completed', (event) => published.push(event));
    descriptor.events.on('metadata.extracted', (event) => published.push(event));
  });
  afterEach(() => descriptor.remove());

  const studyDir = (uid: string) => path.join(descriptor.config.studiesDir, uid);
  const rejectedDir = (id: string) => path.join(descriptor.config.rejectedDir, id);
  const incoming = () =>
    Promise.all([
      listTree(path.join(descriptor.config.studiesDir, '.incoming')),
      listTree(path.join(descriptor.config.rejectedDir, '.incoming')),
    ]).then((lists) => lists.flat());
  const post = (id: string, files: UploadFile[], body = describeRequest(id, files)) => postStudy(descriptor.app, body, files);
  const stable = (uid: string, lastDeliveryId: string) =>
    request(descriptor.app).post(`/v1/studies/${uid}/stable`).send({ correlationId: 'c', lastDeliveryId, errors: [], warnings: [] });

  describe('when a valid study of one file is posted', () => {
    const CT = 'valid/samples/CT_small.dcm';

    it('then it answers 201 and the file is studies/<StudyInstanceUID>/original.dcm, byte-identical, beside metadata.json and validation.log', async () => {
      const id = newStudyId();
      const uid = studyUidOf(CT);
      const files = asUpload([corpusPath(CT)]);
      const response = await post(id, files);

      expect(response.status).toBe(201);
      const result = DescribeResultSchema.parse(response.body);
      expect(result).toMatchObject({ studyId: id, disposition: 'stored', alreadyStored: false, refusal: null });
      expect(result.study).toEqual({ StudyInstanceUID: uid, state: 'receiving', numberOfSeries: 1, numberOfInstances: 1 });
      expect(result.join).toEqual({ added: 1, duplicates: [], reencoded: [] });
      // metadata.dicom.json and fhir.json wait until the study is stable.
      expect(await listTree(studyDir(uid))).toEqual(['metadata.json', 'original.dcm', 'validation.log']);
      expect(await sha256(path.join(studyDir(uid), 'original.dcm'))).toBe(manifestHash(CT));
      expect(result.files.originals).toEqual([expect.objectContaining({ file: '0001.dcm', sha256: manifestHash(CT) })]);
      expect(result.files.originals[0]!.path).toMatch(new RegExp(`${uid.replaceAll('.', '\\.')}/original\\.dcm$`));
      expect(result.files.metadata).toMatch(new RegExp(`${uid.replaceAll('.', '\\.')}/metadata\\.json$`));
      expect(await listTree(descriptor.config.studiesDir)).not.toContainEqual(expect.stringContaining(id));
      expect(await incoming()).toEqual([]);
    });

    it('then once the study is stable, metadata.dicom.json and fhir.json are beside them', async () => {
      const id = newStudyId();
      const uid = studyUidOf(CT);
      await post(id, asUpload([corpusPath(CT)])).expect(201);
      const answer = await stable(uid, id).expect(200);
      expect(answer.body).toEqual({ StudyInstanceUID: uid, state: 'stable', numberOfSeries: 1, numberOfInstances: 1 });
      expect(await listTree(studyDir(uid))).toEqual([
        'fhir.json',
        'metadata.dicom.json',
        'metadata.json',
        'original.dcm',
        'validation.log',
      ]);
    });

    it('then metadata.json describes the study, and validation.log holds the verdict of the delivery', async () => {
      const id = newStudyId();
      const uid = studyUidOf(CT);
      await post(id, asUpload([corpusPath(CT)])).expect(201);
      const metadata = JSON.parse(await readFile(path.join(studyDir(uid), 'metadata.json'), 'utf8'));
      expect(metadata).toMatchObject({
        schemaVersion: 3,
        studyId: uid,
        state: 'receiving',
        createdAt: FIXED_NOW.toISOString(),
        updatedAt: FIXED_NOW.toISOString(),
        deliveries: [id],
        summary: { modalities: ['CT'], numberOfInstances: 1 },
      });
      expect(metadata.instances[0]).toMatchObject({ file: '0001.dcm', path: 'original.dcm', deliveryId: id, sha256: manifestHash(CT) });
      const log = await readFile(path.join(studyDir(uid), 'validation.log'), 'utf8');
      expect(log.split('\n')[0]).toBe(`Validation log of DICOM study ${uid}`);
      expect(log).toMatch(new RegExp(`^Delivery ${id}$`, 'm'));
      expect(log).toContain('Verdict:      VALID (stored)');
      expect(log).toContain('Joined:       1 added, 0 already stored');
    });

    it('then it publishes metadata.extracted and storage.completed and returns them with the correlation id', async () => {
      const id = newStudyId();
      const response = await post(id, asUpload([corpusPath('valid/samples/CT_small.dcm')])).expect(201);
      expect(response.body.events.map((event: LifecycleEvent) => event.type)).toEqual(['metadata.extracted', 'storage.completed']);
      expect(published.map((event) => event.type)).toEqual(['metadata.extracted', 'storage.completed']);
      expect(published[1]).toMatchObject({
        studyId: id,
        correlationId: 'corr-test-1',
        data: { disposition: 'stored', files: 1, alreadyStored: false },
      });
    });
  });

  describe('when a valid study of several files is posted', () => {
    it('then each file is studies/<StudyInstanceUID>/originals/<SOPInstanceUID>.dcm, byte-identical', async () => {
      const id = newStudyId();
      const relatives = ['17106.dcm', '17136.dcm', '17166.dcm', '17196.dcm'].map((name) => `valid/studies/pcir-ct-head/${name}`);
      const uid = studyUidOf(relatives[0]!);
      const response = await post(id, asUpload(relatives.map(corpusPath)));

      expect(response.status).toBe(201);
      const { files, study } = DescribeResultSchema.parse(response.body);
      expect(study).toMatchObject({ StudyInstanceUID: uid, numberOfInstances: 4 });
      expect(files.originals).toHaveLength(4);
      for (const [index, original] of files.originals.entries()) {
        expect(original.SOPInstanceUID).toBe(referenceValues(relatives[index]!)('SOPInstanceUID'));
        expect(original.path).toMatch(
          new RegExp(`${uid.replaceAll('.', '\\.')}/originals/${original.SOPInstanceUID!.replaceAll('.', '\\.')}\\.dcm$`),
        );
        expect(await sha256(path.join(studyDir(uid), 'originals', `${original.SOPInstanceUID}.dcm`))).toBe(
          await sha256(corpusPath(relatives[index]!)),
        );
      }
      expect((await listTree(studyDir(uid))).filter((entry) => !entry.startsWith('originals'))).toEqual([
        'metadata.json',
        'validation.log',
      ]);
    });
  });

  describe('when an invalid study is posted for rejection', () => {
    it('then its files are kept in rejected/<id>/files with validation.log, and nothing appears under studies/', async () => {
      const id = newStudyId();
      const files = asUpload([
        corpusPath('invalid/single/missing-type1-StudyInstanceUID.dcm'),
        corpusPath('invalid/single/png-named-dcm.dcm'),
      ]);
      const report = invalidReport(id, [
        {
          severity: 'error',
          code: 'missing-type1',
          message: 'StudyInstanceUID is required',
          file: '0001.dcm',
          tag: '(0020,000D)',
          keyword: 'StudyInstanceUID',
        },
        { severity: 'error', code: 'not-dicom', message: 'No DICM prefix and no data set', file: '0002.dcm' },
      ]);
      const response = await post(id, files, describeRequest(id, files, report));

      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({ disposition: 'rejected', alreadyStored: false });
      expect(await listTree(rejectedDir(id))).toEqual(['files', 'files/0001.dcm', 'files/0002.dcm', 'metadata.json', 'validation.log']);
      expect(await sha256(path.join(rejectedDir(id), 'files', '0002.dcm'))).toBe(manifestHash('invalid/single/png-named-dcm.dcm'));
      expect((await listTree(descriptor.config.studiesDir)).filter((entry) => !entry.startsWith('.incoming'))).toEqual([]);
      const log = await readFile(path.join(rejectedDir(id), 'validation.log'), 'utf8');
      expect(log.split('\n')[0]).toBe(`Delivery ${id}`);
      expect(descriptor.catalogue.delivery(id)).toMatchObject({ disposition: 'rejected', studyUid: null });
      expect(log).toMatch(
        /^ERROR\s+missing-type1\s+\(0020,000D\) StudyInstanceUID\s+0001\.dcm \(missing-type1-StudyInstanceUID\.dcm\)\s+StudyInstanceUID is required$/m,
      );
      expect(response.body.events.map((event: LifecycleEvent) => event.type)).toEqual(['storage.completed']);
    });

    it('then without any readable file there is no metadata.json, and the result says so', async () => {
      const id = newStudyId();
      const files = asUpload([corpusPath('invalid/single/text-named-dcm.dcm')]);
      const report = invalidReport(id, [{ severity: 'error', code: 'not-dicom', message: 'not DICOM', file: '0001.dcm' }]);
      const response = await post(id, files, describeRequest(id, files, report)).expect(201);
      expect(response.body.files.metadata).toBeNull();
      expect(await listTree(rejectedDir(id))).toEqual(['files', 'files/0001.dcm', 'validation.log']);
    });
  });

  describe('when the same delivery id is posted again (a retry)', () => {
    const MULTI = 'valid/synthetic/multi-series-study';

    it('then it answers 200 alreadyStored from the catalogue record, and writes nothing twice', async () => {
      const id = newStudyId();
      const uid = studyUidOf(`${MULTI}/CT_0001.dcm`);
      // MR before CT: metadata.json lists them the other way round, the answers keep the request's order.
      const files = asUpload(['MR_0002.dcm', 'CT_0001.dcm'].map((name) => corpusPath(`${MULTI}/${name}`)));
      const first = await post(id, files).expect(201);
      const before = await Promise.all(
        (await listTree(studyDir(uid))).map(async (entry) => [entry, (await stat(path.join(studyDir(uid), entry))).mtimeMs]),
      );

      const second = await post(id, files);

      expect(second.status).toBe(200);
      expect(second.body).toMatchObject({
        alreadyStored: true,
        directory: first.body.directory,
        files: first.body.files,
        study: first.body.study,
        join: first.body.join,
      });
      expect(second.body.files.originals.map((file: { file: string }) => file.file)).toEqual(['0001.dcm', '0002.dcm']);
      expect(second.body.events).toEqual([
        expect.objectContaining({ type: 'storage.completed', data: expect.objectContaining({ alreadyStored: true, files: 2 }) }),
      ]);
      const after = await Promise.all(
        (await listTree(studyDir(uid))).map(async (entry) => [entry, (await stat(path.join(studyDir(uid), entry))).mtimeMs]),
      );
      expect(after).toEqual(before);
      expect(descriptor.catalogue.study(uid)).toMatchObject({ numberOfInstances: 2, lastDeliveryId: id });
      expect(await incoming()).toEqual([]);
    });

    it('then the answer does not depend on the study folder: it is the one recorded, even with the folder gone', async () => {
      const id = newStudyId();
      const uid = studyUidOf('valid/samples/CT_small.dcm');
      const files = asUpload([corpusPath('valid/samples/CT_small.dcm')]);
      const first = await post(id, files).expect(201);
      await rm(studyDir(uid), { recursive: true });

      const second = await post(id, files).expect(200);

      expect(second.body).toMatchObject({ alreadyStored: true, files: first.body.files, study: first.body.study });
      expect(await listTree(studyDir(uid))).toEqual([]);
    });

    it('then a rejected upload is answered 200 alreadyStored as well', async () => {
      const id = newStudyId();
      const files = asUpload([corpusPath('invalid/single/text-named-dcm.dcm')]);
      const body = describeRequest(
        id,
        files,
        invalidReport(id, [{ severity: 'error', code: 'not-dicom', message: 'not DICOM', file: '0001.dcm' }]),
      );
      const first = await post(id, files, body).expect(201);
      const second = await post(id, files, body).expect(200);
      expect(second.body.files).toEqual(first.body.files);
    });

    it('then other files under the same delivery id are not stored: the first answer is given again', async () => {
      const id = newStudyId();
      const first = await post(id, asUpload([corpusPath('valid/samples/CT_small.dcm')])).expect(201);
      const response = await post(id, asUpload([corpusPath('valid/samples/MR_small.dcm')]));
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ alreadyStored: true, files: first.body.files, study: first.body.study });
      expect(await listTree(studyDir(studyUidOf('valid/samples/MR_small.dcm')))).toEqual([]);
      expect(descriptor.catalogue.counts()).toEqual({ studies: 1, instances: 1, rejected: 0 });
    });

    it('then the same delivery id sent for rejection after it was stored answers 409 STUDY_ALREADY_EXISTS', async () => {
      const id = newStudyId();
      const files = asUpload([corpusPath('valid/samples/CT_small.dcm')]);
      await post(id, files).expect(201);
      const report = invalidReport(id, [{ severity: 'error', code: 'not-dicom', message: 'not DICOM', file: '0001.dcm' }]);
      const response = await post(id, files, describeRequest(id, files, report));
      expect(response.status).toBe(409);
      expect(response.body.error.code).toBe('STUDY_ALREADY_EXISTS');
      expect(await listTree(rejectedDir(id))).toEqual([]);
    });
  });

  describe('when the request is not acceptable', () => {
    it("then a delivery id (the request part's studyId) that is not a ULID answers 400 STUDY_ID_INVALID and leaves nothing behind", async () => {
      const files = asUpload([corpusPath('valid/samples/CT_small.dcm')]);
      const response = await postStudy(descriptor.app, describeRequest('../../escape', files), files);
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('STUDY_ID_INVALID');
      expect(await incoming()).toEqual([]);
      expect(await listTree(descriptor.dir)).not.toContain('escape');
    });

    it('then a file part the request does not list answers 400 REQUEST_INVALID and leaves nothing in .incoming', async () => {
      const id = newStudyId();
      const listed = asUpload([corpusPath('valid/samples/CT_small.dcm')]);
      const sent = [...listed, { file: '0002.dcm', source: corpusPath('valid/samples/MR_small.dcm') }];
      const response = await post(id, sent, describeRequest(id, listed));
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('REQUEST_INVALID');
      expect(await incoming()).toEqual([]);
      expect((await listTree(descriptor.config.studiesDir)).filter((entry) => !entry.startsWith('.incoming'))).toEqual([]);
    });

    it('then a part whose name is not a stored name answers 400 REQUEST_INVALID', async () => {
      const id = newStudyId();
      const files = [{ file: '../../escape.dcm', source: corpusPath('valid/samples/CT_small.dcm') }];
      const response = await post(id, files, describeRequest(id, asUpload([corpusPath('valid/samples/CT_small.dcm')])));
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('REQUEST_INVALID');
      expect(await listTree(descriptor.dir)).not.toContain('escape.dcm');
    });

    it('then a listed file that never arrives answers 400 REQUEST_INVALID and leaves nothing behind', async () => {
      const id = newStudyId();
      const listed = asUpload([corpusPath('valid/samples/CT_small.dcm'), corpusPath('valid/samples/MR_small.dcm')]);
      const response = await post(id, listed.slice(0, 1), describeRequest(id, listed));
      expect(response.status).toBe(400);
      expect(response.body.error).toMatchObject({ code: 'REQUEST_INVALID', details: { missing: ['0002.dcm'] } });
      expect(await incoming()).toEqual([]);
    });

    it('then a report about another delivery than the request answers 400 REQUEST_INVALID', async () => {
      const id = newStudyId();
      const files = asUpload([corpusPath('valid/samples/CT_small.dcm')]);
      const response = await post(id, files, describeRequest(id, files, validReport(newStudyId())));
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('REQUEST_INVALID');
      expect(descriptor.catalogue.delivery(id)).toBeNull();
    });

    it('then files sent before the request part answer 400 REQUEST_INVALID', async () => {
      const id = newStudyId();
      const files = asUpload([corpusPath('valid/samples/CT_small.dcm')]);
      const response = await request(descriptor.app)
        .post('/v1/deliveries')
        .attach('files', files[0]!.source, { filename: '0001.dcm', contentType: 'application/dicom' })
        .field('request', JSON.stringify(describeRequest(id, files)));
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('REQUEST_INVALID');
      expect(await incoming()).toEqual([]);
    });

    it('then a valid study whose files share a SOP Instance UID answers 400 REQUEST_INVALID and stores nothing', async () => {
      const id = newStudyId();
      const dir = corpusPath('studies/duplicate-sop-instance');
      const files = asUpload(['CT_0001.dcm', 'CT_0002.dcm', 'CT_0003.dcm'].map((name) => path.join(dir, name)));
      const response = await post(id, files);
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('REQUEST_INVALID');
      expect(await listTree(studyDir(studyUidOf('studies/duplicate-sop-instance/CT_0001.dcm')))).toEqual([]);
      expect(descriptor.catalogue.delivery(id)).toBeNull();
      expect(await incoming()).toEqual([]);
    });

    it('then a file above maxFileBytes answers 413 UPLOAD_FILE_TOO_LARGE and leaves nothing behind', async () => {
      const small = await createTestDescriptor({ maxFileBytes: 10_000 });
      try {
        const id = newStudyId();
        const files = asUpload([corpusPath('valid/samples/CT_small.dcm')]);
        const response = await postStudy(small.app, describeRequest(id, files), files);
        expect(response.status).toBe(413);
        expect(response.body.error.code).toBe('UPLOAD_FILE_TOO_LARGE');
        expect(await listTree(path.join(small.config.studiesDir, '.incoming'))).toEqual([]);
      } finally {
        await small.remove();
      }
    });
  });

  describe('when the studies folder cannot be written', () => {
    it.skipIf(process.getuid?.() === 0)(
      'then it answers 503 STORAGE_FAILED and leaves no partial folder (as root, see studies-storage-failure.test.ts)',
      async () => {
        await mkdir(descriptor.config.studiesDir, { recursive: true });
        await chmod(descriptor.config.studiesDir, 0o555);
        try {
          const id = newStudyId();
          const response = await post(id, asUpload([corpusPath('valid/samples/CT_small.dcm')]));
          expect(response.status).toBe(503);
          expect(response.body.error.code).toBe('STORAGE_FAILED');
          expect(await listTree(descriptor.config.studiesDir)).toEqual([]);
        } finally {
          await chmod(descriptor.config.studiesDir, 0o755);
        }
      },
    );
  });
});
