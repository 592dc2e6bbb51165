import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, createServiceApp, newStudyId } from '@dsv/common';
import { browseProxyRouter } from '../../src/routes/browse-proxy.ts';
import { buildGateway, type TestGateway } from '../build-gateway.ts';

const KEY = 'k3y-for-tests-0123456789';
const ID = newStudyId();
const UID = '1.2.840.10008.5.1.4.1.1.2.1';

/** supertest hands binary bodies over as Buffers only with a parser that collects them. */
const binary = (res: request.Response, done: (error: Error | null, body: Buffer) => void): void => {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
};

interface Call {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

/**
 * A stand-in for the descriptor: it records what reaches it and answers canned responses, so the tests
 * see exactly what the gateway sends on and what it hands back. The file 0009.dcm stays open after its
 * first bytes until the test releases it.
 */
async function startFakeDescriptor() {
  const calls: Call[] = [];
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const app = express();
  app.use((req, _res, next) => {
    calls.push({ method: req.method, url: req.originalUrl, headers: req.headers });
    next();
  });
  app.get('/studies', (_req, res) => {
    res.json({ studies: [{ id: ID }], nextCursor: null });
  });
  app.get('/studies/:id/files/0009.dcm', async (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/dicom', 'content-length': '8' });
    res.write('DICM');
    await held;
    res.end('DONE');
  });
  app.get('/studies/:id/files/:key', (_req, res) => {
    res.status(206).set({
      'content-type': 'application/dicom',
      'content-range': 'bytes 0-3/200',
      'accept-ranges': 'bytes',
      etag: '"abc"',
      'x-internal': 'not for clients',
    });
    res.end('DICM');
  });
  app.get('/studies/:id/metadata', (_req, res) => {
    res.status(404).json({ error: { code: 'METADATA_NOT_FOUND', message: 'none' }, requestId: 'r' });
  });
  app.get('/studies/:id/validation', (_req, res) => {
    res.status(401).json({ error: { code: 'UNAUTHORIZED', message: 'no' }, requestId: 'r' });
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    release: () => release(),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('GET /studies* through the gateway', () => {
  let descriptor: Awaited<ReturnType<typeof startFakeDescriptor>>;
  let gateway: TestGateway;
  beforeEach(async () => {
    descriptor = await startFakeDescriptor();
    gateway = await buildGateway({ descriptorUrl: descriptor.url, apiKeys: [KEY] });
  });
  afterEach(async () => {
    descriptor.release();
    await gateway.cleanup();
    await descriptor.close();
  });

  const get = (path: string) => request(gateway.app).get(path).set('x-api-key', KEY);

  it('when the client sends no API key, then 401 UNAUTHORIZED and nothing reaches the descriptor', async () => {
    for (const path of ['/studies', `/studies/${ID}`, `/studies/${ID}/files/${UID}`]) {
      expect((await request(gateway.app).get(path).expect(401)).body.error.code).toBe('UNAUTHORIZED');
    }
    expect(descriptor.calls).toEqual([]);
  });

  it('when the list is asked, then the query goes on as it came and the answer comes back as the descriptor gave it', async () => {
    const response = await get('/studies?limit=2&StudyDate=20231101-20231130&ModalitiesInStudy=CT,MR').expect(200);
    expect(response.body).toEqual({ studies: [{ id: ID }], nextCursor: null });
    expect(descriptor.calls.map((call) => call.url)).toEqual(['/studies?limit=2&StudyDate=20231101-20231130&ModalitiesInStudy=CT,MR']);
  });

  it('when a file is asked with a range, then Range and If-None-Match go on, and status, Content-Range, ETag and the bytes come back; nothing else', async () => {
    const response = await get(`/studies/${ID}/files/${UID}`)
      .buffer(true)
      .parse(binary)
      .set('range', 'bytes=0-3')
      .set('if-none-match', '"old"')
      .set('cookie', 'session=1')
      .expect(206);
    expect(response.headers).toMatchObject({
      'content-type': 'application/dicom',
      'content-range': 'bytes 0-3/200',
      'accept-ranges': 'bytes',
      etag: '"abc"',
    });
    expect(response.headers['x-internal']).toBeUndefined();
    expect((response.body as Buffer).toString('latin1')).toBe('DICM');
    const [call] = descriptor.calls;
    expect(call).toMatchObject({
      method: 'GET',
      url: `/studies/${ID}/files/${UID}`,
      headers: { range: 'bytes=0-3', 'if-none-match': '"old"' },
    });
    // The client's credentials stay at the gateway.
    expect(call!.headers['x-api-key']).toBeUndefined();
    expect(call!.headers.cookie).toBeUndefined();
  });

  it("when the descriptor answers an error, then its status and body come back; when it refuses the gateway's token, then 503", async () => {
    expect((await get(`/studies/${ID}/metadata`).expect(404)).body.error.code).toBe('METADATA_NOT_FOUND');
    const refused = await get(`/studies/${ID}/validation`).expect(503);
    expect(refused.body.error).toMatchObject({ code: 'DOWNSTREAM_UNAVAILABLE', details: { service: 'descriptor' } });
  });

  it('when a study is named by its StudyInstanceUID, then that goes on as the key, for the study and its documents', async () => {
    const STUDY = '1.2.826.0.1.3680043.8.498.12';
    await get(`/studies/${STUDY}/metadata`).expect(404);
    await get(`/studies/${STUDY}/files/${UID}`).expect(206);
    expect(descriptor.calls.map((call) => call.url)).toEqual([`/studies/${STUDY}/metadata`, `/studies/${STUDY}/files/${UID}`]);
  });

  it('when the key or the file key is malformed, then 400 at the gateway, and nothing reaches the descriptor', async () => {
    for (const key of ['not-an-id', '..%2F..%2Fv1', '1.02.3', '1..2', `1.${'2'.repeat(64)}`]) {
      expect((await get(`/studies/${key}`).expect(400)).body.error.code).toBe('STUDY_ID_INVALID');
    }
    for (const key of ['..', '%2E%2E', '..%2F..%2Fmetadata', 'a.dcm', '1.02.3']) {
      expect((await get(`/studies/${ID}/files/${key}`).expect(400)).body.error).toMatchObject({
        code: 'REQUEST_INVALID',
        details: { parameter: 'SOPInstanceUID' },
      });
    }
    expect(descriptor.calls).toEqual([]);
  });

  it('when the path is not one of the browsing routes, then the gateway answers 404 itself', async () => {
    await get(`/studies/${ID}/files`).expect(404);
    await get(`/studies/${ID}/other`).expect(404);
    expect(descriptor.calls).toEqual([]);
  });

  it('when the descriptor is down, then 503 DOWNSTREAM_UNAVAILABLE', async () => {
    await descriptor.close();
    const response = await get('/studies').expect(503);
    expect(response.body.error.code).toBe('DOWNSTREAM_UNAVAILABLE');
  });
});

describe('the browsing proxy', () => {
  it('when a browser origin is allowed, then a viewer on it may read Content-Range, Accept-Ranges and ETag of a file answer', async () => {
    const descriptor = await startFakeDescriptor();
    const gateway = await buildGateway({ descriptorUrl: descriptor.url, allowedOrigins: ['https://viewer.example'] });
    try {
      const response = await request(gateway.app)
        .get(`/studies/${ID}/files/${UID}`)
        .set('origin', 'https://viewer.example')
        .set('range', 'bytes=0-3')
        .expect(206);
      expect(response.headers['access-control-allow-origin']).toBe('https://viewer.example');
      expect(response.headers['access-control-expose-headers']).toMatch(/Content-Range.*Accept-Ranges.*ETag/);
    } finally {
      await gateway.cleanup();
      await descriptor.close();
    }
  });

  it('when a file is still coming from the descriptor, then its first bytes already reach the client (streamed, not buffered), with the internal token sent on', async () => {
    const descriptor = await startFakeDescriptor();
    const gateway = await buildGateway({ descriptorUrl: descriptor.url });
    const app = createServiceApp({
      service: 'gateway',
      version: 'test',
      logger: createLogger('gateway', 'silent'),
      routes: [browseProxyRouter({ ...gateway.config, internalToken: 'internal-secret-for-tests' })],
    });
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/studies/${ID}/files/0009.dcm`, {
        headers: { 'x-correlation-id': 'corr-browse-1' },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-length')).toBe('8');
      const reader = response.body!.getReader();
      const first = await reader.read();
      expect(Buffer.from(first.value!).toString('latin1')).toBe('DICM');
      descriptor.release();
      let rest = '';
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += Buffer.from(chunk.value).toString('latin1');
      expect(rest).toBe('DONE');
      expect(descriptor.calls[0]!.headers).toMatchObject({
        authorization: 'Bearer internal-secret-for-tests',
        'x-correlation-id': 'corr-browse-1',
      });
    } finally {
      descriptor.release();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gateway.cleanup();
      await descriptor.close();
    }
  });
});
