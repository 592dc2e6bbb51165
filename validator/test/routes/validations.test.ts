import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLogger, EventBus, newStudyId, ValidationBatchAnswerSchema, ValidationReportSchema, type LifecycleEvent } from '@dsv/common';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import type { ValidatorConfig } from '../../src/config.ts';
import { corpusAvailable, corpusPath, entryFiles, loadManifest } from '../../../test/support/corpus.ts';
import { secondaryCaptureImage } from '../support/fixtures.ts';
import { projectConfig } from '../support/inspect.ts';
import { postBatch } from '../support/staging.ts';

function build(config: ValidatorConfig = projectConfig()) {
  const events = new EventBus();
  const published: LifecycleEvent[] = [];
  events.on('validation.success', (event) => published.push(event));
  events.on('validation.failed', (event) => published.push(event));
  const app = createApp({ config, logger: createLogger('validator', 'silent'), events });
  return { app, published };
}

const studyId = newStudyId();
const post = (app: ReturnType<typeof build>['app']) =>
  request(app).post('/v1/validations').set('x-study-id', studyId).set('x-correlation-id', 'test-correlation');
const conforming = secondaryCaptureImage();

describe('POST /v1/validations', () => {
  describe('when the Content-Type says how the files come', () => {
    let stagingDir: string;
    beforeAll(async () => {
      stagingDir = await mkdtemp(path.join(os.tmpdir(), 'dsv-validator-route-'));
    });
    afterAll(() => rm(stagingDir, { recursive: true, force: true }));

    it('then application/json is a batch by reference (200 { results }) and multipart/form-data one delivery streamed (200, its report), on one app', async () => {
      const { app, published } = build({ ...projectConfig(), stagingDir });
      const staged = newStudyId();
      await mkdir(path.join(stagingDir, staged));
      await writeFile(path.join(stagingDir, staged, '0001.dcm'), conforming);

      const byReference = await postBatch(app, { studies: [{ studyId: staged, correlationId: 'corr-json', files: ['0001.dcm'] }] }).expect(
        200,
      );
      expect(ValidationBatchAnswerSchema.parse(byReference.body).results).toEqual([
        {
          status: 200,
          body: expect.objectContaining({ studyId: staged, valid: true, instances: [expect.objectContaining({ file: '0001.dcm' })] }),
        },
      ]);
      const streamed = await post(app).attach('files', conforming, '0001.dcm').expect(200);
      expect(ValidationReportSchema.parse(streamed.body)).toMatchObject({ studyId, valid: true });
      expect(published.map((event) => [event.studyId, event.correlationId])).toEqual([
        [staged, 'corr-json'],
        [studyId, 'test-correlation'],
      ]);
    });

    it.each([
      ['text/plain', (call: request.Test) => call.set('content-type', 'text/plain').send('0001.dcm')],
      ['a form', (call: request.Test) => call.type('form').send({ files: '0001.dcm' })],
      ['a body without a Content-Type', (call: request.Test) => call.send(Buffer.from('0001.dcm'))],
      ['no body at all', (call: request.Test) => call],
    ])('then %s answers 415 UNSUPPORTED_MEDIA_TYPE and nothing is validated', async (_what, send) => {
      const { app, published } = build();
      const res = await send(post(app));
      expect(res.status).toBe(415);
      expect(res.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      expect(res.body.requestId).toBeTruthy();
      expect(published).toEqual([]);
    });
  });

  describe('when one delivery is streamed (multipart/form-data) and validated', () => {
    it('then a conforming file answers 200 with a valid report, and validation.success is published and included', async () => {
      const { app, published } = build();
      const res = await post(app).attach('files', conforming, '0001.dcm').expect(200);
      const report = ValidationReportSchema.parse(res.body);
      expect(report).toMatchObject({ studyId, valid: true, outcome: null, errors: [], instances: [{ file: '0001.dcm', readable: true }] });
      expect(report.events).toEqual([
        expect.objectContaining({
          type: 'validation.success',
          service: 'validator',
          studyId,
          correlationId: 'test-correlation',
          data: { instances: 1, errors: 0, warnings: 0 },
        }),
      ]);
      expect(published).toEqual(report.events);
    });

    it('then a file that is not DICOM answers 200 with the findings, the outcome, and validation.failed', async () => {
      const { app } = build();
      const res = await post(app).attach('files', Buffer.from('not a dicom file'), '0001.dcm').expect(200);
      expect(res.body).toMatchObject({ valid: false, outcome: { code: 'NOT_DICOM', httpStatus: 400 } });
      expect(res.body.errors).toEqual([expect.objectContaining({ code: 'not-dicom', file: '0001.dcm' })]);
      expect(res.body.events[0]).toMatchObject({ type: 'validation.failed', data: { instances: 1, errors: 1, codes: ['not-dicom'] } });
    });
  });

  describe.skipIf(!corpusAvailable)('when corpus uploads are sent', () => {
    const manifest = loadManifest();
    const send = (files: string[]) =>
      files.reduce((req, file, index) => req.attach('files', file, `${String(index + 1).padStart(4, '0')}.dcm`), post(build().app));

    it('then a study folder answers one report with one instance per part, in order', async () => {
      const entry = manifest.find((e) => e.path === 'valid/studies/pcir-ct-head')!;
      const res = await send(entryFiles(entry)).expect(200);
      expect(res.body.valid).toBe(true);
      expect(res.body.instances.map((i: { file: string }) => i.file)).toEqual(['0001.dcm', '0002.dcm', '0003.dcm', '0004.dcm']);
      expect(new Set(res.body.instances.map((i: { StudyInstanceUID: string }) => i.StudyInstanceUID)).size).toBe(1);
    });

    it('then a broken file answers 200 with its findings named by stored file and tag', async () => {
      const res = await send([corpusPath('invalid/single/missing-type1-StudyInstanceUID.dcm')]).expect(200);
      expect(res.body).toMatchObject({ valid: false, outcome: { code: 'STUDY_INVALID', httpStatus: 422 } });
      expect(res.body.errors).toEqual([
        expect.objectContaining({ code: 'missing-type1', tag: '(0020,000D)', keyword: 'StudyInstanceUID', file: '0001.dcm' }),
      ]);
    });

    it('then a study mixing two studies answers the study finding with the files involved', async () => {
      const entry = manifest.find((e) => e.path === 'studies/mixed-study')!;
      const res = await send(entryFiles(entry)).expect(200);
      expect(res.body.errors).toEqual([expect.objectContaining({ code: 'mixed-study', files: ['0001.dcm', '0002.dcm', '0003.dcm'] })]);
    });

    it('then a 2 MiB image streams through and is valid', async () => {
      const res = await send([corpusPath('valid/synthetic/cr-1024/CR_0001.dcm')]).expect(200);
      expect(res.body.valid).toBe(true);
      expect(res.body.instances[0].sizeBytes).toBeGreaterThan(2 * 1024 * 1024);
    });
  });

  describe('when the request is refused', () => {
    it('then a multipart body without a file part answers 400 UPLOAD_NO_FILES', async () => {
      const res = await post(build().app).field('note', 'hello').expect(400);
      expect(res.body.error.code).toBe('UPLOAD_NO_FILES');
    });

    // busboy keeps only the base name of a part's filename, so '../passwd' arrives as 'passwd'.
    it.each(['../etc/passwd', 'scan.dcm', '12.dcm', '0001.DCM', '0001.dcm.exe'])(
      'then a part named %j answers 400 REQUEST_INVALID',
      async (name) => {
        const res = await post(build().app).attach('files', conforming, name).expect(400);
        expect(res.body.error.code).toBe('REQUEST_INVALID');
        expect(JSON.stringify(res.body)).not.toContain(name);
      },
    );

    it('then two parts with the same stored name answer 400 REQUEST_INVALID', async () => {
      const res = await post(build().app).attach('files', conforming, '0001.dcm').attach('files', conforming, '0001.dcm').expect(400);
      expect(res.body.error.code).toBe('REQUEST_INVALID');
    });

    it('then a missing or malformed x-study-id answers 400 STUDY_ID_INVALID', async () => {
      const { app } = build();
      const missing = await request(app).post('/v1/validations').attach('files', conforming, '0001.dcm').expect(400);
      expect(missing.body.error.code).toBe('STUDY_ID_INVALID');
      const malformed = await request(app)
        .post('/v1/validations')
        .set('x-study-id', '../etc')
        .attach('files', conforming, '0001.dcm')
        .expect(400);
      expect(malformed.body.error.code).toBe('STUDY_ID_INVALID');
    });

    it('then a file in another field answers 400 UPLOAD_UNEXPECTED_FIELD', async () => {
      const res = await post(build().app).attach('dicom', conforming, '0001.dcm').expect(400);
      expect(res.body.error.code).toBe('UPLOAD_UNEXPECTED_FIELD');
    });

    it.each([
      ['a text part', ''],
      ['an application/octet-stream part', 'Content-Type: application/octet-stream\r\n'],
    ])('then %s in the field "files" without a file name answers 400 UPLOAD_PART_UNNAMED, not dropped', async (_what, type) => {
      const unnamed = Buffer.from(`--B\r\nContent-Disposition: form-data; name="files"\r\n${type}\r\nabc\r\n--B--\r\n`);
      const res = await post(build().app).set('content-type', 'multipart/form-data; boundary=B').send(unnamed).expect(400);
      expect(res.body.error).toMatchObject({ code: 'UPLOAD_PART_UNNAMED', details: { field: 'files' } });
    });

    it('then more files than limits.maxFiles answer 413 UPLOAD_TOO_MANY_FILES', async () => {
      const config = projectConfig();
      const { app } = build({ ...config, limits: { ...config.limits, maxFiles: 1 } });
      const res = await post(app).attach('files', conforming, '0001.dcm').attach('files', conforming, '0002.dcm').expect(413);
      expect(res.body.error.code).toBe('UPLOAD_TOO_MANY_FILES');
    });

    it('then a file larger than limits.maxFileBytes answers 413 UPLOAD_FILE_TOO_LARGE', async () => {
      const config = projectConfig();
      const { app, published } = build({ ...config, limits: { ...config.limits, maxFileBytes: 256 } });
      const res = await post(app).attach('files', conforming, '0001.dcm').expect(413);
      expect(res.body.error.code).toBe('UPLOAD_FILE_TOO_LARGE');
      expect(published).toEqual([]);
    });
  });

  it('when GET /health is asked, then the validator answers ok', async () => {
    const res = await request(build().app).get('/health').expect(200);
    expect(res.body).toMatchObject({ status: 'ok', service: 'validator' });
  });
});
