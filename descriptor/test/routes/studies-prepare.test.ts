import { copyFile, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newStudyId, PrepareAnswerSchema, type DescribeRequest } from '@dsv/common';
import request from 'supertest';
import { corpusAvailable, corpusPath } from '../../../test/support/corpus.ts';
import { asUpload, describeRequest, type UploadFile } from '../support/describe-request.ts';
import { createTestDescriptor, markStable, type TestDescriptor } from '../support/descriptor-app.ts';
import { referenceValues } from '../support/reference-values.ts';
import { sha256, stageForReference } from '../support/staged-study.ts';

const CT_HEAD = ['17106.dcm', '17136.dcm', '17166.dcm'].map((name) => corpusPath(`valid/studies/pcir-ct-head/${name}`));
const CT_HEAD_UID = corpusAvailable ? referenceValues('valid/studies/pcir-ct-head/17106.dcm')('StudyInstanceUID') : '';

/**
 * The gateway names a study's staged files to POST /v1/studies/prepare while the validator checks them;
 * the describe call that follows must store exactly what it would have stored without it.
 */
describe.skipIf(!corpusAvailable)('POST /v1/studies/prepare', () => {
  // Two archives: the same files described twice in one would join one study, the second adding nothing.
  let descriptor: TestDescriptor;
  let other: TestDescriptor;
  beforeEach(async () => {
    [descriptor, other] = await Promise.all([createTestDescriptor(), createTestDescriptor()]);
  });
  afterEach(() => Promise.all([descriptor.remove(), other.remove()]));

  const stage = (id: string, files: UploadFile[], report?: Parameters<typeof describeRequest>[2], into = descriptor): Promise<DescribeRequest> =>
    stageForReference(into.config.stagingDir, id, files, report);
  const prepare = (body: unknown) =>
    request(descriptor.app).post('/v1/studies/prepare').set('content-type', 'application/json').send(JSON.stringify(body));
  const describeById = (id: string, body: DescribeRequest, into = descriptor) =>
    request(into.app).post(`/v1/studies/${id}`).set('content-type', 'application/json').send(JSON.stringify(body)).expect(201);
  /** Every document of a stable study folder, as text, with the delivery id blanked out. */
  const outputs = async (into: TestDescriptor, uid: string, deliveryId: string): Promise<Record<string, string>> => {
    const dir = path.join(into.config.studiesDir, uid);
    // fhir.json is left out: its resource ids are derived from the study id.
    const names = ['metadata.json', 'metadata.dicom.json', 'validation.log'];
    return Object.fromEntries(await Promise.all(names.map(async (name) => [name, (await readFile(path.join(dir, name), 'utf8')).replaceAll(deliveryId, '<id>')])));
  };

  describe('when a study of several files is prepared, then described', () => {
    it('then every output is the same as for the same files described without it', async () => {
      const [ahead, plain] = [newStudyId(), newStudyId()];
      const files = asUpload(CT_HEAD);
      const aheadBody = await stage(ahead, files);
      const plainBody = await stage(plain, files, undefined, other);
      const answer = await prepare({ studies: [{ studyId: ahead, files: files.map((f) => f.file) }] }).expect(200);
      expect(PrepareAnswerSchema.parse(answer.body)).toEqual({ prepared: 3, skipped: 0 });
      await describeById(ahead, aheadBody);
      await describeById(plain, plainBody, other);
      await markStable(descriptor.app, CT_HEAD_UID, ahead).expect(200);
      await markStable(other.app, CT_HEAD_UID, plain).expect(200);
      expect(await outputs(descriptor, CT_HEAD_UID, ahead)).toEqual(await outputs(other, CT_HEAD_UID, plain));
      expect(await readFile(path.join(descriptor.config.studiesDir, CT_HEAD_UID, 'metadata.dicom.json'), 'utf8')).toContain('originals/');
    });

    it('then a staged file replaced since it was prepared is read again: the study describes the new bytes', async () => {
      const id = newStudyId();
      const files = asUpload(CT_HEAD.slice(0, 2));
      await stage(id, files);
      await prepare({ studies: [{ studyId: id, files: ['0001.dcm', '0002.dcm'] }] }).expect(200);
      // The second staged file now holds another instance (as a retry with other bytes would).
      const replaced = path.join(descriptor.config.stagingDir, id, '0002.dcm');
      const otherFile = CT_HEAD[2]!;
      await writeFile(replaced, await readFile(otherFile));
      const body = describeRequest(id, files);
      body.files = await Promise.all(body.files.map(async (entry, index) => {
        const staged = path.join(descriptor.config.stagingDir, id, entry.file);
        return { ...entry, sizeBytes: (await stat(staged)).size, sha256: await sha256(index === 1 ? otherFile : CT_HEAD[0]!) };
      }));
      await describeById(id, body);
      const metadata = JSON.parse(await readFile(path.join(descriptor.config.studiesDir, CT_HEAD_UID, 'metadata.json'), 'utf8'));
      const plain = newStudyId();
      const plainFiles: UploadFile[] = [{ file: '0001.dcm', source: CT_HEAD[0]! }, { file: '0002.dcm', source: otherFile }];
      await describeById(plain, await stage(plain, plainFiles, undefined, other), other);
      const expected = JSON.parse(await readFile(path.join(other.config.studiesDir, CT_HEAD_UID, 'metadata.json'), 'utf8'));
      expect(metadata.instances.map((i: { SOPInstanceUID: string }) => i.SOPInstanceUID)).toContain(referenceValues('valid/studies/pcir-ct-head/17166.dcm')('SOPInstanceUID'));
      expect(metadata.instances.map((i: { SOPInstanceUID: string }) => i.SOPInstanceUID)).toEqual(expected.instances.map((i: { SOPInstanceUID: string }) => i.SOPInstanceUID));
    });

    it('then a study of one file, prepared anyway, is stored as original.dcm with its DICOM JSON naming that file', async () => {
      const id = newStudyId();
      const files = asUpload(CT_HEAD.slice(0, 1));
      const body = await stage(id, files);
      await prepare({ studies: [{ studyId: id, files: ['0001.dcm'] }] }).expect(200);
      await describeById(id, body);
      await markStable(descriptor.app, CT_HEAD_UID, id).expect(200);
      const dicomJson = await readFile(path.join(descriptor.config.studiesDir, CT_HEAD_UID, 'metadata.dicom.json'), 'utf8');
      expect(dicomJson).toContain('"original.dcm?offset=');
      expect(dicomJson).not.toContain('originals/');
    });
  });

  describe('when what is named cannot be prepared', () => {
    it('then a missing file, a bad name and a bad study id are skipped, not refused', async () => {
      const id = newStudyId();
      await stage(id, asUpload(CT_HEAD.slice(0, 1)));
      await copyFile(CT_HEAD[1]!, path.join(descriptor.config.stagingDir, id, 'not-a-stored-name.dcm'));
      const answer = await prepare({
        studies: [
          { studyId: id, files: ['0001.dcm', '0002.dcm', 'not-a-stored-name.dcm', '../0001.dcm'] },
          { studyId: 'not-a-ulid', files: ['0001.dcm'] },
        ],
      }).expect(200);
      expect(answer.body).toEqual({ prepared: 1, skipped: 4 });
    });

    it('then a body that is not a prepare request answers 400 REQUEST_INVALID, and one that is not JSON 415', async () => {
      expect((await prepare({ files: ['0001.dcm'] }).expect(400)).body.error.code).toBe('REQUEST_INVALID');
      expect((await prepare({ studies: [] }).expect(400)).body.error.code).toBe('REQUEST_INVALID');
      const notJson = await request(descriptor.app).post('/v1/studies/prepare').set('content-type', 'text/plain').send('0001.dcm').expect(415);
      expect(notJson.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    });
  });
});
