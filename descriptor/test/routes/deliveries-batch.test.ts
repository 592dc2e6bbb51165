import { readFile, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import {
  createLogger,
  DescribeBatchAnswerSchema,
  DescribeResultSchema,
  EventBus,
  MAX_BATCH_STUDIES,
  newStudyId,
  type DescribeRequest,
  type DescribeResult,
  type LifecycleEvent,
} from '@dsv/common';
import { pino } from 'pino';
import request from 'supertest';
import { corpusAvailable, corpusPath, corpusSkipReason } from '../../../test/support/corpus.ts';
import { createApp, openArchive } from '../../src/app.ts';
import { asUpload, describeRequest, invalidReport } from '../support/describe-request.ts';
import {
  createTestDescriptor,
  FIXED_NOW,
  listTree,
  markStable,
  postBatch,
  postByReference,
  testDescriptorConfig,
  type TestDescriptor,
} from '../support/descriptor-app.ts';
import { referenceValues } from '../support/reference-values.ts';
import { incomingEntries, sha256, stageForReference } from '../support/staged-study.ts';

if (!corpusAvailable) console.warn(`[deliveries-batch] ${corpusSkipReason}`);

const CT_HEAD = ['valid/studies/pcir-ct-head/17106.dcm', 'valid/studies/pcir-ct-head/17136.dcm'];
const CT_SMALL = ['valid/samples/CT_small.dcm'];
const MR_SMALL = ['valid/samples/MR_small.dcm'];
/** The study folder of each: studies/<StudyInstanceUID>/. */
const studyUidOf = (relatives: readonly string[]): string => referenceValues(relatives[0]!)('StudyInstanceUID');

/**
 * The gateway's batched by-reference call: `{ studies: [{ correlationId, request }] }`, each request a
 * DescribeRequest whose files the gateway staged in <stagingDir>/<id>/. Each study must get what it
 * gets alone in a batch of its own.
 */
describe.skipIf(!corpusAvailable)('POST /v1/deliveries, application/json (a batch by reference)', () => {
  let descriptor: TestDescriptor;
  beforeEach(async () => {
    descriptor = await createTestDescriptor();
  });
  afterEach(() => descriptor.remove());

  const stagedDir = (id: string) => path.join(descriptor.config.stagingDir, id);
  const incoming = () => incomingEntries(descriptor.config);
  /** What an archive holds of a delivery: its study's folder (when it joined one) and its folder under rejected/. */
  const everything = async (id: string, uid: string | null, into = descriptor) => [
    ...(uid === null ? [] : await listTree(path.join(into.config.studiesDir, uid))),
    ...(await listTree(path.join(into.config.rejectedDir, id))),
  ];
  /** Nothing of the delivery anywhere: no study folder, no rejected folder, no record. */
  const nothingOf = async (id: string) => {
    expect((await listTree(descriptor.config.studiesDir)).filter((entry) => !entry.startsWith('.incoming'))).toEqual([]);
    expect(await listTree(path.join(descriptor.config.rejectedDir, id))).toEqual([]);
    expect(descriptor.catalogue.delivery(id)).toBeNull();
  };

  /** Stages the corpus files as the gateway does (0001.dcm, …) and builds the request that names them. */
  const stage = (
    id: string,
    sources: readonly string[],
    report?: Parameters<typeof describeRequest>[2],
    into = descriptor,
  ): Promise<DescribeRequest> => stageForReference(into.config.stagingDir, id, asUpload(sources.map(corpusPath)), report);

  const sendBatch = (body: unknown, app = descriptor.app) => postBatch(app, body);
  /** The delivery alone in its batch: its own status and body. */
  const sendAlone = (body: DescribeRequest, into = descriptor) => postByReference(into.app, body, 'corr-alone');
  const batchOf = (...requests: DescribeRequest[]) => ({
    studies: requests.map((entry, index) => ({ correlationId: `corr-${index + 1}`, request: entry })),
  });
  const answerOf = (response: request.Response) => DescribeBatchAnswerSchema.parse(response.body).results;
  const bodyOf = (result: ReturnType<typeof answerOf>[number]): DescribeResult => {
    if (!('body' in result)) throw new Error(`expected a described study, got ${JSON.stringify(result)}`);
    return DescribeResultSchema.parse(result.body);
  };

  /** A result with its id written as <id> and its archive's folder as <dir>, its events without what differs from call to call. */
  const comparable = (result: DescribeResult, id: string, into: TestDescriptor) => {
    const events = result.events.map(({ time: _time, correlationId: _correlationId, ...rest }) => rest);
    return JSON.parse(
      JSON.stringify({ ...result, events })
        .replaceAll(into.dir, '<dir>')
        .replaceAll(id, '<id>'),
    ) as unknown;
  };

  describe('when a batch names several studies', () => {
    it('then each, in order, gets what a call of its own gets: two stored, one rejected, one with a missing staged file (422, nothing left behind)', async () => {
      const [head, small, rejected, missing] = [newStudyId(), newStudyId(), newStudyId(), newStudyId()];
      const requests = [
        await stage(head, CT_HEAD),
        await stage(small, CT_SMALL),
        await stage(rejected, MR_SMALL, invalidReport(rejected, [])),
        await stage(missing, CT_SMALL),
      ];
      requests[3]!.files.push({ file: '0002.dcm', clientName: 'gone.dcm', sizeBytes: 10, sha256: '0'.repeat(64) });
      // The same three deliveries under other ids, each by a call of its own, into an archive of their own
      // (in this one they would join the same studies and add nothing).
      const twinArchive = await createTestDescriptor();
      onTestFinished(() => twinArchive.remove());
      const twins = [newStudyId(), newStudyId(), newStudyId()];
      const twinRequests = [
        await stage(twins[0]!, CT_HEAD, undefined, twinArchive),
        await stage(twins[1]!, CT_SMALL, undefined, twinArchive),
        await stage(twins[2]!, MR_SMALL, invalidReport(twins[2]!, []), twinArchive),
      ];
      const uids = [studyUidOf(CT_HEAD), studyUidOf(CT_SMALL), null];

      const response = await sendBatch(batchOf(...requests)).expect(200);
      const results = answerOf(response);
      expect(results.map((result) => result.status)).toEqual([201, 201, 201, 422]);

      for (const [index, id] of [head, small, rejected].entries()) {
        const twin = twins[index]!;
        const aloneAnswer = await sendAlone(twinRequests[index]!, twinArchive);
        expect(aloneAnswer.status).toBe(201);
        const alone = DescribeResultSchema.parse(aloneAnswer.body);
        const batched = bodyOf(results[index]!);
        expect(batched.studyId).toBe(id);
        expect(batched.study?.StudyInstanceUID ?? null).toBe(uids[index]);
        expect(comparable(batched, id, descriptor)).toEqual(comparable(alone, twin, twinArchive));
        // Each study's events carry its own correlation id, not the batch's.
        expect(batched.events.map((event) => event.correlationId)).toEqual(batched.events.map(() => `corr-${index + 1}`));
        for (const original of batched.files.originals) {
          const stored = path.resolve(original.path);
          expect((await stat(stored)).ino).toBe((await stat(path.join(stagedDir(id), original.file))).ino);
          expect(await sha256(stored)).toBe(original.sha256);
        }
        expect(await everything(id, uids[index]!)).toEqual(await everything(twin, uids[index]!, twinArchive));
      }
      for (const [index, [id, twin]] of (
        [
          [head, twins[0]!],
          [small, twins[1]!],
        ] as const
      ).entries()) {
        const read = (into: TestDescriptor, deliveryId: string) =>
          readFile(path.join(into.config.studiesDir, uids[index]!, 'metadata.json'), 'utf8').then((text) =>
            JSON.parse(text.replaceAll(deliveryId, '<id>')),
          );
        const [batched, alone] = await Promise.all([read(descriptor, id), read(twinArchive, twin)]);
        expect(batched.deliveries).toEqual(['<id>']);
        expect(batched).toEqual(alone);
      }
      expect(await listTree(path.join(descriptor.config.rejectedDir, rejected))).toContain('files/0001.dcm');

      expect(results[3]).toMatchObject({ status: 422, error: { code: 'STAGED_FILE_UNAVAILABLE', details: { file: '0002.dcm' } } });
      expect(await listTree(path.join(descriptor.config.rejectedDir, missing))).toEqual([]);
      expect(descriptor.catalogue.delivery(missing)).toBeNull();
      // The CT_small study holds the one instance the `small` delivery brought, none of `missing`'s.
      expect(descriptor.catalogue.study(studyUidOf(CT_SMALL))).toMatchObject({ numberOfInstances: 1, lastDeliveryId: small });
      expect(await incoming()).toEqual([]);
    });

    it('then a delivery already described answers 200 alreadyStored, and the same id twice in one batch is stored once', async () => {
      const before = newStudyId();
      const twice = newStudyId();
      const storedBefore = await stage(before, CT_SMALL);
      expect((await sendAlone(storedBefore)).status).toBe(201);
      const again = await stage(twice, CT_HEAD);

      const results = answerOf(await sendBatch(batchOf(storedBefore, again, again)).expect(200));
      expect(results[0]).toMatchObject({ status: 200, body: { studyId: before, alreadyStored: true } });
      // Two concurrent calls for one id: one publishes, the other is answered from what it published.
      expect(
        results
          .slice(1)
          .map((result) => result.status)
          .toSorted((a, b) => a - b),
      ).toEqual([200, 201]);
      const [first, second] = [bodyOf(results[1]!), bodyOf(results[2]!)];
      expect(first.files.originals).toEqual(second.files.originals);
      expect(first.files.originals).toHaveLength(2);
      expect(await listTree(path.join(descriptor.config.studiesDir, studyUidOf(CT_HEAD)))).toContain('metadata.json');
      expect(descriptor.catalogue.study(studyUidOf(CT_HEAD))).toMatchObject({ numberOfInstances: 2, lastDeliveryId: twice });
      expect(await incoming()).toEqual([]);
    });

    it("then an invalid study id is that study's 400 STUDY_ID_INVALID, and the others are described", async () => {
      const id = newStudyId();
      const good = await stage(id, CT_SMALL);
      const bad = { ...good, studyId: '../../etc', report: { ...good.report, studyId: '../../etc' } };
      const results = answerOf(await sendBatch(batchOf(bad, good)).expect(200));
      expect(results[0]).toMatchObject({ status: 400, error: { code: 'STUDY_ID_INVALID' } });
      expect(results[1]).toMatchObject({ status: 201, body: { studyId: id } });
    });

    it("then a report about another study than the request names is that study's 400 REQUEST_INVALID, as in a call of its own", async () => {
      const id = newStudyId();
      const body = await stage(id, CT_SMALL);
      body.report.studyId = newStudyId();
      const results = answerOf(await sendBatch(batchOf(body)).expect(200));
      expect(results[0]).toMatchObject({ status: 400, error: { code: 'REQUEST_INVALID' } });
      await nothingOf(id);
    });
  });

  describe('when one study fails for a reason that is not an AppError (a bug)', () => {
    it('then that study is 500 INTERNAL, logged with its study id, and the others are described and logged', async () => {
      const lines: Record<string, unknown>[] = [];
      const logger = pino(
        { level: 'debug' },
        new Writable({
          write(chunk: Buffer, _encoding, done) {
            lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
            done();
          },
        }),
      );
      const config = testDescriptorConfig(descriptor.dir);
      const broken = newStudyId();
      // A second connection to the test's catalogue, whose join fails for one delivery as a bug would.
      const { catalogue, documents } = openArchive(config);
      onTestFinished(() => catalogue.close());
      const joinStudy = catalogue.joinStudy.bind(catalogue);
      catalogue.joinStudy = (uid, delivery, summary) => {
        if (delivery.deliveryId === broken) throw new TypeError('a bug');
        joinStudy(uid, delivery, summary);
      };
      const app = createApp({ config, logger, events: new EventBus(), now: () => FIXED_NOW, catalogue, documents });
      const fine = newStudyId();
      const results = answerOf(await sendBatch(batchOf(await stage(broken, CT_SMALL), await stage(fine, MR_SMALL)), app).expect(200));

      expect(results[0]).toMatchObject({ status: 500, error: { code: 'INTERNAL' } });
      expect(JSON.stringify(results[0])).not.toContain('a bug');
      expect(results[1]).toMatchObject({ status: 201, body: { studyId: fine } });
      expect(lines.find((line) => line.msg === 'batch study failed')).toMatchObject({
        studyId: broken,
        correlationId: 'corr-1',
        code: 'INTERNAL',
        status: 500,
      });
      expect(lines.filter((line) => line.msg === 'described')).toEqual([
        expect.objectContaining({
          studyId: fine,
          correlationId: 'corr-2',
          transport: 'reference',
          batch: 2,
          disposition: 'stored',
          alreadyStored: false,
          files: 1,
        }),
      ]);
    });
  });

  describe('when the batch itself is wrong', () => {
    it('then a body that does not follow the contract answers 400 REQUEST_INVALID and nothing is described', async () => {
      const id = newStudyId();
      const body = await stage(id, CT_SMALL);
      for (const wrong of [
        { studies: [] },
        { studies: [{ request: body }] },
        { studies: [{ correlationId: 'c', request: body, extra: 1 }] },
        [body],
      ]) {
        const response = await sendBatch(wrong).expect(400);
        expect(response.body.error.code).toBe('REQUEST_INVALID');
      }
      await nothingOf(id);
    });

    it(`then more than ${MAX_BATCH_STUDIES} studies answer 400 REQUEST_INVALID and nothing is described`, async () => {
      const id = newStudyId();
      const body = await stage(id, CT_SMALL);
      const response = await sendBatch(batchOf(...Array.from({ length: MAX_BATCH_STUDIES + 1 }, () => body))).expect(400);
      expect(response.body.error.code).toBe('REQUEST_INVALID');
      await nothingOf(id);
    });

    it(`then ${MAX_BATCH_STUDIES} requests each near the request part's limit are read (the body limit allows ${MAX_BATCH_STUDIES} of them)`, async () => {
      const id = newStudyId();
      const body = await stage(id, CT_SMALL);
      // The client name is free text: pad it until this request alone is close to maxRequestFieldBytes.
      body.files[0]!.clientName = 'x'.repeat(descriptor.config.limits.maxRequestFieldBytes - JSON.stringify(body).length - 64);
      const results = answerOf(await sendBatch(batchOf(...Array.from({ length: MAX_BATCH_STUDIES }, () => body))).expect(200));
      expect(results.map((result) => result.status).toSorted((a, b) => a - b)).toEqual([
        ...Array.from({ length: MAX_BATCH_STUDIES - 1 }, () => 200),
        201,
      ]);
    });

    it('then a body that is not JSON answers 400 REQUEST_INVALID', async () => {
      const response = await request(descriptor.app)
        .post('/v1/deliveries')
        .set('content-type', 'application/json')
        .send('{"studies":')
        .expect(400);
      expect(response.body.error.code).toBe('REQUEST_INVALID');
    });

    it('then without the internal token it answers 401 UNAUTHORIZED, as a streamed delivery does', async () => {
      const config = { ...testDescriptorConfig(descriptor.dir), internalToken: 'internal-secret' };
      const { catalogue, documents } = openArchive(config);
      onTestFinished(() => catalogue.close());
      const app = createApp({
        config,
        logger: createLogger('descriptor', 'silent'),
        events: new EventBus(),
        now: () => FIXED_NOW,
        catalogue,
        documents,
      });
      const id = newStudyId();
      const body = batchOf(await stage(id, CT_SMALL));
      expect((await sendBatch(body, app).expect(401)).body.error.code).toBe('UNAUTHORIZED');
      await nothingOf(id);
      await sendBatch(body, app).set('authorization', 'Bearer internal-secret').expect(200);
    });
  });

  describe('when FHIR forwarding is on (fhir.forwardUrl)', () => {
    let server: http.Server | undefined;
    afterEach(async () => {
      server?.closeAllConnections();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    });

    it("then the batch sends nothing: a study's fhir.json is sent when it goes stable, with the stable call's correlation id", async () => {
      const received: string[] = [];
      server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          received.push(Buffer.concat(chunks).toString('utf8'));
          res.writeHead(200, { 'content-type': 'application/fhir+json' }).end('{"resourceType":"Bundle","type":"transaction-response"}');
        });
      });
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
      await descriptor.remove();
      descriptor = await createTestDescriptor(
        {},
        { fhir: { forwardUrl: url, authHeader: '', timeoutMs: 5000, retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 } } },
      );

      const [before, fresh, rejected] = [newStudyId(), newStudyId(), newStudyId()];
      const storedBefore = await stage(before, CT_SMALL);
      const forwardedBefore = new Promise((resolve) => descriptor.events.once('fhir.forwarded', resolve as never));
      expect((await sendAlone(storedBefore)).status).toBe(201);
      await markStable(descriptor.app, studyUidOf(CT_SMALL), before).expect(200);
      await forwardedBefore;
      received.length = 0;
      const forwardedEvents: LifecycleEvent[] = [];
      descriptor.events.on('fhir.forwarded', (event) => forwardedEvents.push(event));

      const requests = [storedBefore, await stage(fresh, CT_HEAD), await stage(rejected, MR_SMALL, invalidReport(rejected, []))];
      const results = answerOf(await sendBatch(batchOf(...requests)).expect(200));
      expect(results.map((result) => result.status)).toEqual([200, 201, 201]);
      const forwarded = new Promise<LifecycleEvent>((resolve) => descriptor.events.once('fhir.forwarded', resolve as never));
      await markStable(descriptor.app, studyUidOf(CT_HEAD), fresh).expect(200);
      expect(await forwarded).toMatchObject({ studyId: fresh, correlationId: 'corr-stable-1' });
      // A send the batch had started would have started before this one: none came.
      expect(forwardedEvents).toHaveLength(1);
      expect(received).toEqual([await readFile(path.join(descriptor.config.studiesDir, studyUidOf(CT_HEAD), 'fhir.json'), 'utf8')]);
    });
  });
});
