import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, type StudyInstances } from '@dsv/common';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDescriptorClient } from '../../src/clients/descriptor-client.ts';
import { RetryableError } from '../../src/clients/retry.ts';
import { createValidatorClient } from '../../src/clients/validator-client.ts';

const STUDY = '1.2.826.0.1.3680043.8.498.51';
const TOKEN = 'internal-token-for-tests-0123456789';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

type Answer = { status: number; body: unknown; headers?: Record<string, string> };

/** A sibling over real HTTP: it records each call and answers what the test set for its path. */
async function startSibling(answers: Record<string, Answer>) {
  const seen: Seen[] = [];
  const respond = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    let body = '';
    for await (const chunk of req as AsyncIterable<Buffer>) body += chunk.toString('utf8');
    seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
    const answer = answers[req.url!] ?? { status: 404, body: { error: { code: 'ROUTE_NOT_FOUND' } } };
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(JSON.stringify(answer.body));
  };
  const server = http.createServer((req, res) => {
    respond(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

describe('the calls that make a study stable', () => {
  let sibling: Awaited<ReturnType<typeof startSibling>>;
  const answers: Record<string, Answer> = {};
  const target = (url: string) => ({
    baseUrl: url,
    timeoutMs: 5000,
    internalToken: TOKEN,
    transport: 'reference' as const,
    logger: createLogger('gateway', 'silent'),
  });
  beforeEach(async () => {
    for (const key of Object.keys(answers)) delete answers[key];
    sibling = await startSibling(answers);
  });
  afterEach(async () => {
    sibling.server.closeAllConnections();
    await new Promise((resolve) => sibling.server.close(resolve));
  });

  it("when the study's instances are asked, then a GET with the internal token and the correlation id; the document is kept as it came, with the last delivery of its header", async () => {
    const held: StudyInstances = {
      StudyInstanceUID: STUDY,
      lastDeliveryId: '01JD0000000000000000000000',
      instances: [{ file: '0001.dcm', sizeBytes: 1, readable: true }],
    };
    answers[`/v1/studies/${STUDY}/instances`] = { status: 200, body: held, headers: { 'x-last-delivery-id': held.lastDeliveryId } };
    expect(await createDescriptorClient(target(sibling.url)).studyInstances(STUDY, 'corr-1')).toEqual({
      lastDeliveryId: held.lastDeliveryId,
      document: Buffer.from(JSON.stringify(held)),
    });
    expect(sibling.seen).toEqual([
      expect.objectContaining({
        method: 'GET',
        url: `/v1/studies/${STUDY}/instances`,
        body: '',
        headers: expect.objectContaining({ authorization: `Bearer ${TOKEN}`, 'x-correlation-id': 'corr-1' }),
      }),
    ]);
    expect(sibling.seen[0]!.headers['content-type']).toBeUndefined();
  });

  it("when the study is said stable, then a JSON POST of the StableRequest; the validator gets the descriptor's document byte for byte", async () => {
    answers[`/v1/studies/${STUDY}/stable`] = {
      status: 200,
      body: { StudyInstanceUID: STUDY, state: 'stable', numberOfSeries: 1, numberOfInstances: 1 },
    };
    answers['/v1/study-checks'] = { status: 200, body: { errors: [], warnings: [] } };
    const request = { correlationId: 'corr-2', lastDeliveryId: '01JD0000000000000000000000', errors: [], warnings: [] };
    expect(await createDescriptorClient(target(sibling.url)).markStable(STUDY, request)).toMatchObject({ state: 'stable' });
    // As the descriptor wrote it (its own spacing and key order): sent on unread.
    const document = `{"StudyInstanceUID":"${STUDY}", "lastDeliveryId":"01JD0000000000000000000000","instances":[{"readable":true,"file":"0001.dcm","sizeBytes":1}]}`;
    expect(await createValidatorClient(target(sibling.url)).studyChecks(Buffer.from(document), 'corr-2')).toEqual({
      errors: [],
      warnings: [],
    });
    expect(sibling.seen.map((call) => [call.method, call.url, call.headers['content-type']])).toEqual([
      ['POST', `/v1/studies/${STUDY}/stable`, 'application/json'],
      ['POST', '/v1/study-checks', 'application/json'],
    ]);
    expect(JSON.parse(sibling.seen[0]!.body)).toEqual(request);
    expect(sibling.seen[1]!.body).toBe(document);
    expect(
      sibling.seen.every((call) => call.headers.authorization === `Bearer ${TOKEN}` && call.headers['x-correlation-id'] === 'corr-2'),
    ).toBe(true);
  });

  it('when the sibling answers 503, then the error is worth retrying; an answer outside the contract is PROCESSING_FAILED', async () => {
    answers[`/v1/studies/${STUDY}/instances`] = { status: 503, body: { error: { code: 'SHUTTING_DOWN' } } };
    answers[`/v1/studies/${STUDY}/stable`] = { status: 200, body: { state: 'done' } };
    const descriptor = createDescriptorClient(target(sibling.url));
    await expect(descriptor.studyInstances(STUDY, 'c')).rejects.toBeInstanceOf(RetryableError);
    // The instances without the header that names their last delivery.
    answers[`/v1/studies/${STUDY}/instances`] = { status: 200, body: { StudyInstanceUID: STUDY, lastDeliveryId: 'x', instances: [] } };
    await expect(descriptor.studyInstances(STUDY, 'c')).rejects.toMatchObject({ code: 'PROCESSING_FAILED' });
    await expect(descriptor.markStable(STUDY, { correlationId: 'c', lastDeliveryId: 'x', errors: [], warnings: [] })).rejects.toMatchObject(
      { code: 'PROCESSING_FAILED' },
    );
  });
});
