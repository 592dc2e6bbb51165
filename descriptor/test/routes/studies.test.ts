import { createHash } from 'node:crypto';
import { chmod, mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DescribeResultSchema, newStudyId, type LifecycleEvent } from '@dsv/common';
import request from 'supertest';
import { corpusAvailable, corpusPath, loadManifest } from '../../../test/support/corpus.ts';
import { asUpload, describeRequest, invalidReport, type UploadFile } from '../support/describe-request.ts';
import { createTestDescriptor, FIXED_NOW, listTree, postStudy, type TestDescriptor } from '../support/descriptor-app.ts';

const sha256 = async (file: string): Promise<string> => createHash('sha256').update(await readFile(file)).digest('hex');
const manifest = corpusAvailable ? loadManifest() : [];
const manifestHash = (relative: string): string => manifest.find((entry) => entry.path === relative)!.sha256!;

describe.skipIf(!corpusAvailable)('POST /v1/studies/:id', () => {
  let descriptor: TestDescriptor;
  let published: LifecycleEvent[];
  beforeEach(async () => {
    descriptor = await createTestDescriptor();
    published = [];
    descriptor.events.on('storage.completed', (event) => published.push(event));
    descriptor.events.on('metadata.extracted', (event) => published.push(event));
  });
  afterEach(() => descriptor.remove());

  const studyDir = (id: string) => path.join(descriptor.config.studiesDir, id);
  const rejectedDir = (id: string) => path.join(descriptor.config.rejectedDir, id);
  const incoming = () => Promise.all([listTree(path.join(descriptor.config.studiesDir, '.incoming')), listTree(path.join(descriptor.config.rejectedDir, '.incoming'))]).then((lists) => lists.flat());
  const post = (id: string, files: UploadFile[], body = describeRequest(id, files)) => postStudy(descriptor.app, id, body, files);

  describe('when a valid study of one file is posted', () => {
    it('then it answers 201 and the file is studies/<id>/original.dcm, byte-identical, beside metadata.json, metadata.dicom.json, fhir.json and validation.log', async () => {
      const id = newStudyId();
      const files = asUpload([corpusPath('valid/samples/CT_small.dcm')]);
      const response = await post(id, files);

      expect(response.status).toBe(201);
      const result = DescribeResultSchema.parse(response.body);
      expect(result).toMatchObject({ studyId: id, disposition: 'stored', alreadyStored: false });
      expect(await listTree(studyDir(id))).toEqual(['fhir.json', 'metadata.dicom.json', 'metadata.json', 'original.dcm', 'validation.log']);
      expect(await sha256(path.join(studyDir(id), 'original.dcm'))).toBe(manifestHash('valid/samples/CT_small.dcm'));
      expect(result.files.originals).toEqual([expect.objectContaining({ file: '0001.dcm', sha256: manifestHash('valid/samples/CT_small.dcm') })]);
      expect(result.files.originals[0]!.path).toMatch(new RegExp(`${id}/original\\.dcm$`));
      expect(result.files.metadata).toMatch(new RegExp(`${id}/metadata\\.json$`));
      expect(await incoming()).toEqual([]);
    });

    it('then metadata.json describes the study, and validation.log holds the verdict', async () => {
      const id = newStudyId();
      await post(id, asUpload([corpusPath('valid/samples/CT_small.dcm')])).expect(201);
      const metadata = JSON.parse(await readFile(path.join(studyDir(id), 'metadata.json'), 'utf8'));
      expect(metadata).toMatchObject({ schemaVersion: 2, studyId: id, createdAt: FIXED_NOW.toISOString(), summary: { modalities: ['CT'], numberOfInstances: 1 } });
      expect(metadata.instances[0]).toMatchObject({ file: '0001.dcm', path: 'original.dcm', sha256: manifestHash('valid/samples/CT_small.dcm') });
      const log = await readFile(path.join(studyDir(id), 'validation.log'), 'utf8');
      expect(log).toContain(`Validation log of study ${id}`);
      expect(log).toContain('Verdict:      VALID (stored)');
    });

    it('then it publishes metadata.extracted and storage.completed and returns them with the correlation id', async () => {
      const id = newStudyId();
      const response = await post(id, asUpload([corpusPath('valid/samples/CT_small.dcm')])).expect(201);
      expect(response.body.events.map((event: LifecycleEvent) => event.type)).toEqual(['metadata.extracted', 'storage.completed']);
      expect(published.map((event) => event.type)).toEqual(['metadata.extracted', 'storage.completed']);
      expect(published[1]).toMatchObject({ studyId: id, correlationId: 'corr-test-1', data: { disposition: 'stored', files: 1, alreadyStored: false } });
    });
  });

  describe('when a valid study of several files is posted', () => {
    it('then each file is studies/<id>/originals/<SOPInstanceUID>.dcm, byte-identical', async () => {
      const id = newStudyId();
      const relatives = ['17106.dcm', '17136.dcm', '17166.dcm', '17196.dcm'].map((name) => `valid/studies/pcir-ct-head/${name}`);
      const response = await post(id, asUpload(relatives.map(corpusPath)));

      expect(response.status).toBe(201);
      const { files } = DescribeResultSchema.parse(response.body);
      expect(files.originals).toHaveLength(4);
      for (const [index, original] of files.originals.entries()) {
        expect(original.path).toMatch(new RegExp(`${id}/originals/${original.SOPInstanceUID!.replaceAll('.', '\\.')}\\.dcm$`));
        expect(await sha256(path.join(studyDir(id), 'originals', `${original.SOPInstanceUID}.dcm`))).toBe(await sha256(corpusPath(relatives[index]!)));
      }
      expect((await listTree(studyDir(id))).filter((entry) => !entry.startsWith('originals'))).toEqual(['fhir.json', 'metadata.dicom.json', 'metadata.json', 'validation.log']);
    });
  });

  describe('when an invalid study is posted for rejection', () => {
    it('then its files are kept in rejected/<id>/files with validation.log, and nothing appears under studies/', async () => {
      const id = newStudyId();
      const files = asUpload([corpusPath('invalid/single/missing-type1-StudyInstanceUID.dcm'), corpusPath('invalid/single/png-named-dcm.dcm')]);
      const report = invalidReport(id, [
        { severity: 'error', code: 'missing-type1', message: 'StudyInstanceUID is required', file: '0001.dcm', tag: '(0020,000D)', keyword: 'StudyInstanceUID' },
        { severity: 'error', code: 'not-dicom', message: 'No DICM prefix and no data set', file: '0002.dcm' },
      ]);
      const response = await post(id, files, describeRequest(id, files, report));

      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({ disposition: 'rejected', alreadyStored: false });
      expect(await listTree(rejectedDir(id))).toEqual(['files', 'files/0001.dcm', 'files/0002.dcm', 'metadata.json', 'validation.log']);
      expect(await sha256(path.join(rejectedDir(id), 'files', '0002.dcm'))).toBe(manifestHash('invalid/single/png-named-dcm.dcm'));
      expect((await listTree(descriptor.config.studiesDir)).filter((entry) => !entry.startsWith('.incoming'))).toEqual([]);
      const log = await readFile(path.join(rejectedDir(id), 'validation.log'), 'utf8');
      expect(log).toMatch(/^ERROR\s+missing-type1\s+\(0020,000D\) StudyInstanceUID\s+0001\.dcm \(missing-type1-StudyInstanceUID\.dcm\)\s+StudyInstanceUID is required$/m);
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

  describe('when the same study id is posted again (a retry)', () => {
    it('then it answers 200 alreadyStored from what is on disk, and writes nothing twice', async () => {
      const id = newStudyId();
      // MR before CT: metadata.json lists them the other way round, the answers keep the request's order.
      const files = asUpload(['MR_0002.dcm', 'CT_0001.dcm'].map((name) => corpusPath(`valid/synthetic/multi-series-study/${name}`)));
      const first = await post(id, files).expect(201);
      const before = await Promise.all((await listTree(studyDir(id))).map(async (entry) => [entry, (await stat(path.join(studyDir(id), entry))).mtimeMs]));

      const second = await post(id, files);

      expect(second.status).toBe(200);
      expect(second.body).toMatchObject({ alreadyStored: true, directory: first.body.directory, files: first.body.files });
      expect(second.body.events).toEqual([expect.objectContaining({ type: 'storage.completed', data: expect.objectContaining({ alreadyStored: true, files: 2 }) })]);
      const after = await Promise.all((await listTree(studyDir(id))).map(async (entry) => [entry, (await stat(path.join(studyDir(id), entry))).mtimeMs]));
      expect(after).toEqual(before);
      expect(await incoming()).toEqual([]);
    });

    it('then a rejected upload is answered 200 alreadyStored as well', async () => {
      const id = newStudyId();
      const files = asUpload([corpusPath('invalid/single/text-named-dcm.dcm')]);
      const body = describeRequest(id, files, invalidReport(id, [{ severity: 'error', code: 'not-dicom', message: 'not DICOM', file: '0001.dcm' }]));
      const first = await post(id, files, body).expect(201);
      const second = await post(id, files, body).expect(200);
      expect(second.body.files).toEqual(first.body.files);
    });

    it('then other files under the same id are refused with 409 STUDY_ALREADY_EXISTS', async () => {
      const id = newStudyId();
      await post(id, asUpload([corpusPath('valid/samples/CT_small.dcm')])).expect(201);
      const response = await post(id, asUpload([corpusPath('valid/samples/MR_small.dcm')]));
      expect(response.status).toBe(409);
      expect(response.body.error.code).toBe('STUDY_ALREADY_EXISTS');
    });
  });

  describe('when the request is not acceptable', () => {
    it('then a study id that is not a ULID answers 400 STUDY_ID_INVALID', async () => {
      const files = asUpload([corpusPath('valid/samples/CT_small.dcm')]);
      const response = await postStudy(descriptor.app, 'not-a-ulid', describeRequest('not-a-ulid', files), files);
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('STUDY_ID_INVALID');
    });

    it('then a file part the request does not list answers 400 REQUEST_INVALID and leaves nothing in .incoming', async () => {
      const id = newStudyId();
      const listed = asUpload([corpusPath('valid/samples/CT_small.dcm')]);
      const sent = [...listed, { file: '0002.dcm', source: corpusPath('valid/samples/MR_small.dcm') }];
      const response = await post(id, sent, describeRequest(id, listed));
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('REQUEST_INVALID');
      expect(await incoming()).toEqual([]);
      expect(await listTree(studyDir(id))).toEqual([]);
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

    it('then a request about another study id answers 400 REQUEST_INVALID', async () => {
      const id = newStudyId();
      const files = asUpload([corpusPath('valid/samples/CT_small.dcm')]);
      const response = await post(id, files, describeRequest(newStudyId(), files));
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('REQUEST_INVALID');
    });

    it('then files sent before the request part answer 400 REQUEST_INVALID', async () => {
      const id = newStudyId();
      const files = asUpload([corpusPath('valid/samples/CT_small.dcm')]);
      const response = await request(descriptor.app)
        .post(`/v1/studies/${id}`)
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
      expect(await listTree(studyDir(id))).toEqual([]);
      expect(await incoming()).toEqual([]);
    });

    it('then a body that is neither multipart nor JSON answers 415 UNSUPPORTED_MEDIA_TYPE', async () => {
      const response = await request(descriptor.app).post(`/v1/studies/${newStudyId()}`).set('content-type', 'text/plain').send('hello');
      expect(response.status).toBe(415);
      expect(response.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    });

    it('then a file above maxFileBytes answers 413 UPLOAD_FILE_TOO_LARGE and leaves nothing behind', async () => {
      const small = await createTestDescriptor({ maxFileBytes: 10_000 });
      try {
        const id = newStudyId();
        const files = asUpload([corpusPath('valid/samples/CT_small.dcm')]);
        const response = await postStudy(small.app, id, describeRequest(id, files), files);
        expect(response.status).toBe(413);
        expect(response.body.error.code).toBe('UPLOAD_FILE_TOO_LARGE');
        expect(await listTree(path.join(small.config.studiesDir, '.incoming'))).toEqual([]);
      } finally {
        await small.remove();
      }
    });
  });

  describe('when the studies folder cannot be written', () => {
    it.skipIf(process.getuid?.() === 0)('then it answers 503 STORAGE_FAILED and leaves no partial folder (as root, see studies-storage-failure.test.ts)', async () => {
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
    });
  });
});
