import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { postFhirBundle, type FhirSettings } from '../../../src/domain/fhir/post-fhir-bundle.ts';

/** A FHIR server answering each POST through `answer`; it records what reached it. */
async function startServer(answer: (res: http.ServerResponse) => void) {
  const received: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      answer(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const settings = (forwardUrl: string, attempts = 2): FhirSettings => ({
  forwardUrl,
  authHeader: 'Bearer fhir-test-token',
  timeoutMs: 2000,
  retry: { attempts, baseDelayMs: 0, maxDelayMs: 0 },
});

const BUNDLE = JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: [] });

describe('postFhirBundle', () => {
  const servers: Awaited<ReturnType<typeof startServer>>[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  const start = async (answer: (res: http.ServerResponse) => void) => {
    const server = await startServer(answer);
    servers.push(server);
    return server;
  };

  it('when the server answers 200, then one POST of the bundle with its headers, and the status', async () => {
    const fhir = await start((res) => res.writeHead(200, { 'content-type': 'application/fhir+json' }).end('{"resourceType":"Bundle"}'));
    expect(await postFhirBundle(settings(`${fhir.url}/fhir`), BUNDLE)).toEqual({ ok: true, attempts: 1, httpStatus: 200 });
    expect(fhir.received).toHaveLength(1);
    expect(fhir.received[0]).toMatchObject({
      method: 'POST',
      url: '/fhir',
      body: BUNDLE,
      headers: {
        'content-type': 'application/fhir+json',
        accept: 'application/fhir+json',
        authorization: 'Bearer fhir-test-token',
        'content-length': String(Buffer.byteLength(BUNDLE)),
      },
    });
  });

  it('when nothing listens, then every attempt is made and the reason names the error code', async () => {
    const gone = await start((res) => res.end());
    await gone.close();
    expect(await postFhirBundle(settings(`${gone.url}/fhir`, 3), BUNDLE)).toEqual({
      ok: false,
      attempts: 3,
      httpStatus: null,
      reason: 'connection failed: ECONNREFUSED',
    });
  });

  it('when the server redirects, then the redirect is not followed: nothing reaches the other server, and it counts as a failed connection', async () => {
    const elsewhere = await start((res) => res.writeHead(200).end());
    const fhir = await start((res) => res.writeHead(307, { location: `${elsewhere.url}/fhir` }).end());
    expect(await postFhirBundle(settings(`${fhir.url}/fhir`), BUNDLE)).toEqual({
      ok: false,
      attempts: 2,
      httpStatus: null,
      reason: 'connection failed',
    });
    expect(fhir.received).toHaveLength(2);
    expect(elsewhere.received).toEqual([]);
  });
});
