import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLogger, EventBus, MAX_BATCH_STUDIES, newStudyId, ValidationBatchAnswerSchema, type LifecycleEvent } from '@dsv/common';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app.ts';
import type { ValidatorConfig } from '../../src/config.ts';
import { corpusAvailable, corpusPath, entryFiles, loadManifest } from '../../../test/support/corpus.ts';
import { projectConfig } from '../support/inspect.ts';
import { postBatch, postByReference, stageStudy, storedName } from '../support/staging.ts';

const stored = storedName;
const names = (count: number) => Array.from({ length: count }, (_, index) => stored(index));

function build(config: ValidatorConfig) {
  const events = new EventBus();
  const published: LifecycleEvent[] = [];
  events.on('validation.success', (event) => published.push(event));
  events.on('validation.failed', (event) => published.push(event));
  const logger = createLogger('validator', 'silent');
  return { app: createApp({ config, logger, events }), events, logger, published };
}

/** A report without what differs between two calls (the events' ids and times). */
const comparable = (body: Record<string, unknown>) => ({ ...body, events: null });

/**
 * The gateway's batch by reference: several studies' files in one call, each answered as it would have
 * been alone (in a batch of one, the reference here).
 */
describe.skipIf(!corpusAvailable)('POST /v1/validations, application/json (a batch by reference)', () => {
  let stagingDir: string;
  let config: ValidatorConfig;
  beforeAll(async () => {
    stagingDir = await mkdtemp(path.join(os.tmpdir(), 'dsv-validator-batch-'));
    config = { ...projectConfig(), stagingDir };
  });
  afterAll(() => rm(stagingDir, { recursive: true, force: true }));

  const stage = (sources: string[]) => stageStudy(stagingDir, sources);
  const alone = (app: ReturnType<typeof build>['app'], studyId: string, files: string[]) => postByReference(app, studyId, files, 'alone');
  const studyOf = (studyId: string, files: string[], correlationId = `corr-${studyId}`) => ({ studyId, correlationId, files });

  describe('when a batch holds several studies', () => {
    it('then each study is answered as a call of its own would answer it, in the order asked', async () => {
      const { app } = build(config);
      const study = loadManifest().find((entry) => entry.path === 'valid/studies/pcir-ct-head')!;
      const validStudy = await stage(entryFiles(study));
      const invalid = await stage([corpusPath('invalid/single/missing-type1-Modality.dcm')]);
      const validFile = await stage([corpusPath('valid/samples/CT_small.dcm')]);
      const missing = await stage([corpusPath('valid/samples/CT_small.dcm')]);
      const asked = [
        studyOf(validStudy, names(entryFiles(study).length)),
        studyOf('not-a-study-id', ['0001.dcm']),
        studyOf(invalid, ['0001.dcm']),
        studyOf(missing, ['0001.dcm', '0002.dcm']),
        studyOf(validFile, ['0001.dcm']),
        studyOf(validFile, ['../0001.dcm']),
      ];

      const res = await postBatch(app, { studies: asked }).expect(200);
      const { results } = ValidationBatchAnswerSchema.parse(res.body);
      expect(results.map((result) => result.status)).toEqual([200, 400, 200, 422, 200, 400]);

      for (const [index, item] of asked.entries()) {
        const itself = await alone(app, item.studyId, item.files);
        const result = results[index]!;
        expect(result.status, item.studyId).toBe(itself.status);
        if ('body' in result) expect(comparable(result.body), item.studyId).toEqual(comparable(itself.body));
        else expect(result.error, item.studyId).toEqual(itself.body.error);
      }
      expect(results[0]).toMatchObject({ body: { studyId: validStudy, valid: true } });
      expect(results[1]).toMatchObject({ error: { code: 'STUDY_ID_INVALID' } });
      expect(results[2]).toMatchObject({ body: { studyId: invalid, valid: false } });
      expect(results[3]).toMatchObject({ error: { code: 'STAGED_FILE_UNAVAILABLE', details: { file: '0002.dcm' } } });
      expect(results[5]).toMatchObject({ error: { code: 'REQUEST_INVALID' } });
    });

    it("then each study's event carries that study's correlation id, and each study logs 'validated' (at debug) with the batch size", async () => {
      const { app, logger, published } = build(config);
      const debug = vi.spyOn(logger, 'debug');
      const first = await stage([corpusPath('valid/samples/CT_small.dcm')]);
      const second = await stage([corpusPath('invalid/single/missing-type1-Modality.dcm')]);
      const res = await postBatch(app, {
        studies: [studyOf(first, ['0001.dcm'], 'upload-1'), studyOf(second, ['0001.dcm'], 'upload-2')],
      }).expect(200);

      expect(res.body.results.map((result: { body: { events: LifecycleEvent[] } }) => result.body.events)).toEqual([
        [expect.objectContaining({ type: 'validation.success', studyId: first, correlationId: 'upload-1' })],
        [expect.objectContaining({ type: 'validation.failed', studyId: second, correlationId: 'upload-2' })],
      ]);
      expect(published.map((event) => [event.studyId, event.correlationId]).sort()).toEqual(
        [
          [first, 'upload-1'],
          [second, 'upload-2'],
        ].sort(),
      );
      const validated = debug.mock.calls.filter(([, message]) => message === 'validated').map(([fields]) => fields);
      expect(validated).toHaveLength(2);
      for (const [studyId, correlationId] of [
        [first, 'upload-1'],
        [second, 'upload-2'],
      ]) {
        expect(validated).toContainEqual(expect.objectContaining({ studyId, correlationId, transport: 'reference', batch: 2, files: 1 }));
      }
    });

    it('then a study that fails with an error that is no AppError answers 500 INTERNAL alone, without a stack, and is logged with its id', async () => {
      const { app, events, logger } = build(config);
      const error = vi.spyOn(logger, 'error');
      const broken = await stage([corpusPath('valid/samples/CT_small.dcm')]);
      const fine = await stage([corpusPath('valid/samples/CT_small.dcm')]);
      // A listener that throws stands for a bug anywhere in a study's path.
      events.on('validation.success', (event) => {
        if (event.studyId === broken) throw new Error('a bug in a listener');
      });
      const res = await postBatch(app, { studies: [studyOf(broken, ['0001.dcm']), studyOf(fine, ['0001.dcm'])] }).expect(200);

      expect(res.body.results[0]).toEqual({ status: 500, error: { code: 'INTERNAL', message: 'Internal error' } });
      expect(res.body.results[1]).toMatchObject({ status: 200, body: { studyId: fine, valid: true } });
      expect(JSON.stringify(res.body)).not.toContain('a bug in a listener');
      expect(error).toHaveBeenCalledWith(
        expect.objectContaining({ studyId: broken, code: 'INTERNAL', status: 500, err: expect.any(Error) }),
        expect.any(String),
      );
    });
  });

  describe('when the request is not a batch', () => {
    const id = newStudyId();
    it.each([
      [{}],
      [{ studies: [] }],
      [{ studies: [{ studyId: id, files: ['0001.dcm'] }] }],
      [{ studies: [{ studyId: id, correlationId: 'c', files: [] }] }],
      [{ studies: [{ studyId: id, correlationId: 'c', files: '0001.dcm' }] }],
      [{ studies: [{ studyId: id, correlationId: 'c', files: ['0001.dcm'], extra: true }] }],
      [{ files: ['0001.dcm'] }],
    ])('then the body %j answers 400 REQUEST_INVALID for the whole request', async (body) => {
      const res = await postBatch(build(config).app, body).expect(400);
      expect(res.body.error.code).toBe('REQUEST_INVALID');
    });

    it(`then more than ${MAX_BATCH_STUDIES} studies answer 400 REQUEST_INVALID and none is validated`, async () => {
      const { app, published } = build(config);
      const studyId = await stage([corpusPath('valid/samples/CT_small.dcm')]);
      const res = await postBatch(app, {
        studies: Array.from({ length: MAX_BATCH_STUDIES + 1 }, () => studyOf(studyId, ['0001.dcm'])),
      }).expect(400);
      expect(res.body.error.code).toBe('REQUEST_INVALID');
      expect(published).toEqual([]);
    });

    it('then JSON that does not parse answers 400 REQUEST_INVALID', async () => {
      const res = await request(build(config).app)
        .post('/v1/validations')
        .set('content-type', 'application/json')
        .send('{"studies": [')
        .expect(400);
      expect(res.body.error.code).toBe('REQUEST_INVALID');
    });
  });

  it(`when a full batch (${MAX_BATCH_STUDIES} studies of limits.maxFiles names) is sent, then its body is read, not refused as too large`, async () => {
    const studyId = await stage([corpusPath('valid/samples/CT_small.dcm')]);
    // Names past the first are missing: each study is refused for that, after its body was accepted.
    const full = names(config.limits.maxFiles);
    const res = await postBatch(build(config).app, {
      studies: Array.from({ length: MAX_BATCH_STUDIES }, () => studyOf(studyId, full)),
    }).expect(200);
    expect(res.body.results).toHaveLength(MAX_BATCH_STUDIES);
    expect(new Set(res.body.results.map((result: { error: { code: string } }) => result.error.code))).toEqual(
      new Set(['STAGED_FILE_UNAVAILABLE']),
    );
  });

  it('when the validator has no stagingDir, then every study answers 422 STAGED_FILE_UNAVAILABLE (a malformed id still 400 first, as alone)', async () => {
    const first = await stage([corpusPath('valid/samples/CT_small.dcm')]);
    const second = await stage([corpusPath('valid/samples/CT_small.dcm')]);
    const studies = [studyOf(first, ['0001.dcm']), studyOf(second, ['0001.dcm']), studyOf('not-a-study-id', ['0001.dcm'])];
    const res = await postBatch(build({ ...config, stagingDir: '' }).app, { studies }).expect(200);
    expect(res.body.results).toEqual([
      { status: 422, error: expect.objectContaining({ code: 'STAGED_FILE_UNAVAILABLE' }) },
      { status: 422, error: expect.objectContaining({ code: 'STAGED_FILE_UNAVAILABLE' }) },
      { status: 400, error: expect.objectContaining({ code: 'STUDY_ID_INVALID' }) },
    ]);
  });

  it('when an internal token is configured, then a batch without it answers 401 UNAUTHORIZED', async () => {
    const studyId = await stage([corpusPath('valid/samples/CT_small.dcm')]);
    const app = build({ ...config, internalToken: 'internal-token-for-tests' }).app;
    const res = await postBatch(app, { studies: [studyOf(studyId, ['0001.dcm'])] }).expect(401);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
    await postBatch(app, { studies: [studyOf(studyId, ['0001.dcm'])] })
      .set('authorization', 'Bearer internal-token-for-tests')
      .expect(200);
  });
});
