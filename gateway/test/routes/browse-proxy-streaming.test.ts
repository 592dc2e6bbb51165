import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, createServiceApp, newStudyId } from '@dsv/common';
import type { Express } from 'express';
import { browseProxyRouter } from '../../src/routes/browse-proxy.ts';
import { buildGateway, type TestGateway } from '../build-gateway.ts';

const ID = newStudyId();
const MB = 1024 * 1024;
/** Larger than every buffer between the descriptor and the client (two sockets, the proxy's stream). */
const FILE = Buffer.alloc(32 * MB, 0);
for (let i = 0; i < FILE.length; i += 4096) FILE.writeUInt32BE(i, i);

interface Served {
  method: string;
  range: string | undefined;
  /** Bytes the descriptor's socket has taken so far. */
  sent: number;
  finished: boolean;
  closed: boolean;
}

/**
 * A stand-in for the descriptor serving one large file, with Range (one `bytes=a-b` range, RFC 9110
 * §14.2), in 64 KiB writes that wait for 'drain': how far it got shows whether the gateway passes
 * back-pressure on. `hang`: it takes the request and never answers.
 */
async function startFileDescriptor(options: { hang?: boolean } = {}) {
  const served: Served[] = [];
  const serve = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const entry: Served = { method: req.method ?? '', range: req.headers.range, sent: 0, finished: false, closed: false };
    served.push(entry);
    res.on('close', () => (entry.closed = true));
    if (options.hang) return;
    const match = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    const [start, end] = match ? [Number(match[1]), Number(match[2])] : [0, FILE.length - 1];
    res.writeHead(match ? 206 : 200, {
      'content-type': 'application/dicom',
      'content-length': String(end - start + 1),
      'accept-ranges': 'bytes',
      ...(match ? { 'content-range': `bytes ${start}-${end}/${FILE.length}` } : {}),
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    for (let at = start; at <= end && !res.destroyed; at += 64 * 1024) {
      const chunk = FILE.subarray(at, Math.min(at + 64 * 1024, end + 1));
      const more = res.write(chunk);
      entry.sent += chunk.length;
      if (!more) await drainOrClose(res);
    }
    if (!res.destroyed) res.end(() => (entry.finished = true));
  };
  // A failure of the stand-in shows as the socket closing: the test sees the gateway's answer to that.
  const server = http.createServer((req, res) => void serve(req, res).catch(() => res.destroy()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function drainOrClose(res: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
}

/** The app on a real port: supertest gathers a whole body, these tests need to read it as it comes. */
async function listen(app: Express) {
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    get: (path: string, headers: http.OutgoingHttpHeaders = {}, method = 'GET') =>
      new Promise<http.IncomingMessage>((resolve, reject) => {
        http.request({ host: '127.0.0.1', port, path, method, headers }, resolve).on('error', reject).end();
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const readAll = async (response: http.IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of response as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
};

/** Polls until `done` holds: the proxy's steps happen on other sockets, in their own time. */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !done(); i++) await sleep(10);
  expect(done()).toBe(true);
}

describe('a large file through the browsing proxy', () => {
  let descriptor: Awaited<ReturnType<typeof startFileDescriptor>>;
  let gateway: TestGateway;
  let client: Awaited<ReturnType<typeof listen>>;
  beforeEach(async () => {
    descriptor = await startFileDescriptor();
    gateway = await buildGateway({ descriptorUrl: descriptor.url });
    client = await listen(gateway.app);
  });
  afterEach(async () => {
    await client.close();
    await gateway.cleanup();
    await descriptor.close();
  });

  const path = `/studies/${ID}/files/0001.dcm`;

  it("when the whole file is asked, then every byte comes back, with the descriptor's Content-Length", async () => {
    const response = await client.get(path);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-length']).toBe(String(FILE.length));
    expect((await readAll(response)).equals(FILE)).toBe(true);
  });

  it('when a range is asked, then Range goes on, and 206 with Content-Range and exactly those bytes come back', async () => {
    const [start, end] = [5 * MB + 3, 13 * MB + 7];
    const response = await client.get(path, { range: `bytes=${start}-${end}` });
    expect(response.statusCode).toBe(206);
    expect(response.headers).toMatchObject({
      'content-range': `bytes ${start}-${end}/${FILE.length}`,
      'content-length': String(end - start + 1),
      'accept-ranges': 'bytes',
    });
    expect((await readAll(response)).equals(FILE.subarray(start, end + 1))).toBe(true);
    expect(descriptor.served[0]).toMatchObject({ method: 'GET', range: `bytes=${start}-${end}` });
  });

  it('when HEAD is asked, then HEAD goes on, and the headers come back without a body', async () => {
    const response = await client.get(path, {}, 'HEAD');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-length']).toBe(String(FILE.length));
    expect((await readAll(response)).length).toBe(0);
    expect(descriptor.served.map((served) => served.method)).toEqual(['HEAD']);
  });

  it('when the client reads nothing more, then the descriptor is held back too (back-pressure), and sends the rest once it reads', async () => {
    const response = await client.get(path);
    response.pause();
    // Stalled: the descriptor's writes wait for a 'drain' that a paused client never lets come.
    let last = -1;
    let still = 0;
    await until(() => {
      const sent = descriptor.served[0]?.sent ?? 0;
      still = sent > 0 && sent === last ? still + 1 : 0;
      last = sent;
      return still >= 5;
    });
    expect(descriptor.served[0]!.sent).toBeLessThan(FILE.length);
    expect(descriptor.served[0]!.finished).toBe(false);
    expect((await readAll(response)).equals(FILE)).toBe(true);
  });

  it('when the client goes away mid-file, then the call to the descriptor is cut off too', async () => {
    const response = await client.get(path);
    response.pause();
    await until(() => (descriptor.served[0]?.sent ?? 0) > 0);
    response.destroy();
    await until(() => descriptor.served[0]!.closed);
    expect(descriptor.served[0]!.finished).toBe(false);
  });
});

describe('the browsing proxy, when the descriptor takes the call and never answers', () => {
  it('then 503 DOWNSTREAM_UNAVAILABLE once pipeline.requestTimeoutMs has passed', async () => {
    const descriptor = await startFileDescriptor({ hang: true });
    const gateway = await buildGateway({ descriptorUrl: descriptor.url });
    const config = { ...gateway.config, pipeline: { ...gateway.config.pipeline, requestTimeoutMs: 200 } };
    const client = await listen(
      createServiceApp({
        service: 'gateway',
        version: 'test',
        logger: createLogger('gateway', 'silent'),
        routes: [browseProxyRouter(config)],
      }),
    );
    try {
      const response = await client.get(`/studies/${ID}/files/0001.dcm`);
      expect(response.statusCode).toBe(503);
      expect(JSON.parse((await readAll(response)).toString('utf8')).error).toMatchObject({
        code: 'DOWNSTREAM_UNAVAILABLE',
        details: { service: 'descriptor' },
      });
      // The call is abandoned, not left open.
      await until(() => descriptor.served[0]?.closed === true);
    } finally {
      await client.close();
      await gateway.cleanup();
      await descriptor.close();
    }
  });
});
