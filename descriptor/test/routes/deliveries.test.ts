import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DescribeBatchAnswerSchema, DescribeResultSchema, newStudyId } from '@dsv/common';
import request from 'supertest';
import { corpusAvailable, corpusPath } from '../../../test/support/corpus.ts';
import { asUpload, describeRequest } from '../support/describe-request.ts';
import { createTestDescriptor, postBatch, postStudy, type TestDescriptor } from '../support/descriptor-app.ts';
import { incomingEntries, stageForReference } from '../support/staged-study.ts';

/**
 * POST /v1/deliveries takes deliveries two ways, told apart by the Content-Type: application/json (a
 * batch by reference, deliveries-batch.test.ts) and multipart/form-data (one delivery streamed,
 * deliveries-streamed.test.ts). Any other body is refused before it is read.
 */
describe.skipIf(!corpusAvailable)('POST /v1/deliveries, by Content-Type', () => {
  let descriptor: TestDescriptor;
  beforeEach(async () => {
    descriptor = await createTestDescriptor();
  });
  afterEach(() => descriptor.remove());

  it('when a JSON batch and a multipart delivery come to the route, then each is described: 200 with its results, 201 with its result', async () => {
    const [byReference, streamed] = [newStudyId(), newStudyId()];
    const staged = await stageForReference(descriptor.config.stagingDir, byReference, asUpload([corpusPath('valid/samples/CT_small.dcm')]));
    const files = asUpload([corpusPath('valid/samples/MR_small.dcm')]);

    const batch = await postBatch(descriptor.app, { studies: [{ correlationId: 'corr-json', request: staged }] }).expect(200);
    expect(DescribeBatchAnswerSchema.parse(batch.body).results).toEqual([
      { status: 201, body: expect.objectContaining({ studyId: byReference, disposition: 'stored', alreadyStored: false }) },
    ]);
    const single = await postStudy(descriptor.app, describeRequest(streamed, files), files).expect(201);
    expect(DescribeResultSchema.parse(single.body)).toMatchObject({ studyId: streamed, disposition: 'stored', alreadyStored: false });
    expect(descriptor.catalogue.counts()).toEqual({ studies: 2, instances: 2, rejected: 0 });
  });

  it('when a DescribeRequest comes alone as JSON (not in a batch), then 400 REQUEST_INVALID and nothing is described', async () => {
    const id = newStudyId();
    const staged = await stageForReference(descriptor.config.stagingDir, id, asUpload([corpusPath('valid/samples/CT_small.dcm')]));
    expect((await postBatch(descriptor.app, staged).expect(400)).body.error.code).toBe('REQUEST_INVALID');
    expect(descriptor.catalogue.delivery(id)).toBeNull();
  });

  it.each([
    ['text/plain', (call: request.Test) => call.set('content-type', 'text/plain').send('hello')],
    ['a form', (call: request.Test) => call.type('form').send({ request: '{}' })],
    ['a body without a Content-Type', (call: request.Test) => call.send(Buffer.from('hello'))],
    ['no body at all', (call: request.Test) => call],
  ])('when the body is %s, then 415 UNSUPPORTED_MEDIA_TYPE and nothing is described', async (_what, send) => {
    const response = await send(request(descriptor.app).post('/v1/deliveries').set('x-correlation-id', 'corr-415'));
    expect(response.status).toBe(415);
    expect(response.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(response.body.requestId).toBeTruthy();
    expect(descriptor.catalogue.counts()).toEqual({ studies: 0, instances: 0, rejected: 0 });
    expect(await incomingEntries(descriptor.config)).toEqual([]);
  });
});
