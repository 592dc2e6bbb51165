import { readdir } from 'node:fs/promises';
import net from 'node:net';
import { listen, type RunningServer } from '@dsv/common';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildGateway, type TestGateway } from '../build-gateway.ts';
import { rawMultipart } from '../../../test/support/raw-multipart.ts';

const dicomish = Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), Buffer.alloc(64)]);
const { contentType, part, body } = rawMultipart('AbuseBoundary');

async function until(check: () => Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Uploads that try to hurt the gateway: each is answered (or cut), and leaves nothing staged. */
describe('POST /upload under abuse', () => {
  let gateway: TestGateway;
  beforeEach(async () => {
    gateway = await buildGateway({ limits: { maxFiles: 100, maxParts: 120 }, http: { requestTimeoutMs: 400, headersTimeoutMs: 400 } });
  });
  afterEach(() => gateway.cleanup());

  // Uploads' folders (each delivery's, named by its id).
  const staged = () =>
    readdir(gateway.config.stagingDir).then(
      (names) => names.filter((name) => !name.startsWith('.')),
      () => [] as string[],
    );

  describe('when a part in the field "files" has no file name', () => {
    it('then as a text field beside a real file it is 400 UPLOAD_PART_UNNAMED, not dropped', async () => {
      const res = await request(gateway.app)
        .post('/upload')
        .set('content-type', contentType)
        .send(body(part('name="files"; filename="a.dcm"', dicomish, 'application/dicom'), part('name="files"', dicomish)))
        .expect(400);
      expect(res.body.error).toMatchObject({ code: 'UPLOAD_PART_UNNAMED', details: { field: 'files' } });
      expect(await staged()).toEqual([]);
    });

    it('then as an application/octet-stream part (which multer would skip without a word) it is 400 UPLOAD_PART_UNNAMED', async () => {
      const res = await request(gateway.app)
        .post('/upload')
        .set('content-type', contentType)
        .send(body(part('name="files"', dicomish, 'application/octet-stream'), part('name="files"; filename="b.dcm"', dicomish)))
        .expect(400);
      expect(res.body.error.code).toBe('UPLOAD_PART_UNNAMED');
      expect(await staged()).toEqual([]);
    });

    it('then an empty file name counts as none', async () => {
      const res = await request(gateway.app)
        .post('/upload')
        .set('content-type', contentType)
        .send(body(part('name="files"; filename=""', dicomish)))
        .expect(400);
      expect(res.body.error.code).toBe('UPLOAD_PART_UNNAMED');
    });
  });

  it('when thousands of tiny fields come, then 413 UPLOAD_TOO_MANY_PARTS and nothing is staged', async () => {
    const fields = Array.from({ length: 3000 }, (_, i) => part(`name="f${i}"`, 'x'));
    const res = await request(gateway.app)
      .post('/upload')
      .set('content-type', contentType)
      .send(body(part('name="files"; filename="a.dcm"', dicomish), ...fields))
      .expect(413);
    expect(res.body.error.code).toBe('UPLOAD_TOO_MANY_PARTS');
    expect(await staged()).toEqual([]);
  });

  it('when thousands of tiny files come, then 413 and every one written so far is removed', async () => {
    const files = Array.from({ length: 3000 }, (_, i) => part(`name="files"; filename="${i}.dcm"`, 'DICM'));
    const res = await request(gateway.app)
      .post('/upload')
      .set('content-type', contentType)
      .send(body(...files))
      .expect(413);
    expect(['UPLOAD_TOO_MANY_FILES', 'UPLOAD_TOO_MANY_PARTS']).toContain(res.body.error.code);
    expect(await staged()).toEqual([]);
  });

  it('when a non-file field is huge, or its name is, then 413 UPLOAD_FIELD_TOO_LARGE', async () => {
    const huge = await request(gateway.app)
      .post('/upload')
      .set('content-type', contentType)
      .send(body(part('name="files"; filename="a.dcm"', dicomish), part('name="note"', 'x'.repeat(1024 * 1024))))
      .expect(413);
    expect(huge.body.error).toMatchObject({ code: 'UPLOAD_FIELD_TOO_LARGE', details: { field: 'note' } });
    const longName = await request(gateway.app)
      .post('/upload')
      .set('content-type', contentType)
      .send(body(part(`name="${'n'.repeat(5000)}"`, 'x')))
      .expect(413);
    expect(longName.body.error.code).toBe('UPLOAD_FIELD_TOO_LARGE');
    expect(await staged()).toEqual([]);
  });

  describe('on a real socket', () => {
    let server: RunningServer;
    beforeEach(async () => {
      server = await listen(gateway.app, { host: '127.0.0.1', port: 0, requestTimeoutMs: 400, headersTimeoutMs: 400 });
    });
    afterEach(() => server.close(100));

    /** Sends the headers and the start of a file, then nothing. */
    function startUpload(): Promise<{ socket: net.Socket; received: () => string; closed: Promise<void> }> {
      return new Promise((resolve, reject) => {
        const socket = net.connect(server.port, '127.0.0.1');
        let data = '';
        socket.setEncoding('utf8').on('data', (chunk: string) => (data += chunk));
        socket.on('error', () => undefined);
        const closed = new Promise<void>((done) => socket.once('close', () => done()));
        socket.once('connect', () => {
          socket.write(`POST /upload HTTP/1.1\r\nHost: test\r\nContent-Type: ${contentType}\r\nContent-Length: 1500000\r\n\r\n`);
          socket.write(part('name="files"; filename="a.dcm"', Buffer.alloc(64 * 1024, 7)).subarray(0, 60_000));
          resolve({ socket, received: () => data, closed });
        });
        socket.once('error', reject);
      });
    }

    it('when a client stalls mid-upload, then the request timeout answers 408 and closes it, and the upload is removed from staging', async () => {
      const client = await startUpload();
      await until(async () => (await staged()).length === 1);
      const started = Date.now();
      await client.closed;
      expect(Date.now() - started).toBeLessThan(3000);
      expect(client.received()).toMatch(/^HTTP\/1\.1 408/);
      await until(async () => (await staged()).length === 0);
    });

    it('when a client disconnects mid-upload, then the upload is removed from staging', async () => {
      const client = await startUpload();
      await until(async () => (await staged()).length === 1);
      client.socket.destroy();
      await until(async () => (await staged()).length === 0);
      expect(
        await request(gateway.app)
          .get('/status')
          .expect(200)
          .then((r) => r.body.uploads),
      ).toEqual([]);
    });
  });
});
