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

/** A sibling over real HTTP: it records each call and answers what the test set for its path. */
async function startSibling(answers: Record<string, { status: number; body: unknown }>) {
  const seen: Seen[] = [];
  const respond = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    let body = '';
    for await (const chunk of req as AsyncIterable<Buffer>) body += chunk.toString('utf8');
    seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
    const answer = answers[req.url!] ?? { status: 404, body: { error: { code: 'ROUTE_NOT_FOUND' } } };
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
  };
  const server = http.createServer((req, res) => {
    respond(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

describe('the calls that make a study stable', () => {
  let sibling: Awaited<ReturnType<typeof startSibling>>;
  const answers: Record<string, { status: number; body: unknown }> = {};
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

  it("when the study's instances are asked, then a GET with the internal token and the correlation id, its answer checked against the contract", async () => {
    const held: StudyInstances = {
      StudyInstanceUID: STUDY,
      lastDeliveryId: '01JD0000000000000000000000',
      instances: [{ file: '0001.dcm', sizeBytes: 1, readable: true }],
    };
    answers[`/v1/studies/${STUDY}/instances`] = { status: 200, body: held };
    expect(await createDescriptorClient(target(sibling.url)).studyInstances(STUDY, 'corr-1')).toEqual(held);
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

  it('when the study is said stable, then a JSON POST of the StableRequest; the validator gets the instances to check the same way', async () => {
    answers[`/v1/studies/${STUDY}/stable`] = {
      status: 200,
      body: { StudyInstanceUID: STUDY, state: 'stable', numberOfSeries: 1, numberOfInstances: 1 },
    };
    answers['/v1/study-checks'] = { status: 200, body: { errors: [], warnings: [] } };
    const request = { correlationId: 'corr-2', lastDeliveryId: '01JD0000000000000000000000', errors: [], warnings: [] };
    expect(await createDescriptorClient(target(sibling.url)).markStable(STUDY, request)).toMatchObject({ state: 'stable' });
    const instances = [{ file: '0001.dcm', sizeBytes: 1, readable: true }];
    expect(await createValidatorClient(target(sibling.url)).studyChecks({ instances }, 'corr-2')).toEqual({ errors: [], warnings: [] });
    expect(sibling.seen.map((call) => [call.method, call.url, call.headers['content-type'], JSON.parse(call.body)])).toEqual([
      ['POST', `/v1/studies/${STUDY}/stable`, 'application/json', request],
      ['POST', '/v1/study-checks', 'application/json', { instances }],
    ]);
    expect(
      sibling.seen.every((call) => call.headers.authorization === `Bearer ${TOKEN}` && call.headers['x-correlation-id'] === 'corr-2'),
    ).toBe(true);
  });

  it('when the sibling answers 503, then the error is worth retrying; an answer outside the contract is PROCESSING_FAILED', async () => {
    answers[`/v1/studies/${STUDY}/instances`] = { status: 503, body: { error: { code: 'SHUTTING_DOWN' } } };
    answers[`/v1/studies/${STUDY}/stable`] = { status: 200, body: { state: 'done' } };
    const descriptor = createDescriptorClient(target(sibling.url));
    await expect(descriptor.studyInstances(STUDY, 'c')).rejects.toBeInstanceOf(RetryableError);
    await expect(descriptor.markStable(STUDY, { correlationId: 'c', lastDeliveryId: 'x', errors: [], warnings: [] })).rejects.toMatchObject(
      { code: 'PROCESSING_FAILED' },
    );
  });
});
