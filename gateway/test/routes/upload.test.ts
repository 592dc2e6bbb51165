import { readdir } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isStudyId } from '@dsv/common';
import { buildGateway, type TestGateway } from '../build-gateway.ts';

const dicomish = Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), Buffer.alloc(64)]);

describe('POST /upload', () => {
  let gateway: TestGateway;
  beforeEach(async () => {
    gateway = await buildGateway();
  });
  afterEach(() => gateway.cleanup());

  // Uploads' folders (each delivery's, named by its id).
  const staged = async () =>
    readdir(gateway.config.stagingDir).then(
      (names) => names.filter((name) => !name.startsWith('.')),
      () => [],
    );

  describe('when the upload is accepted', () => {
    it('then it answers 202 at once with the id, the state and where to poll', async () => {
      const res = await request(gateway.app).post('/upload').attach('files', dicomish, 'a.dcm').expect(202);
      expect(isStudyId(res.body.id)).toBe(true);
      expect(res.body).toMatchObject({ state: 'received', statusUrl: `/status/${res.body.id}` });
      expect(res.headers.location).toBe(`/status/${res.body.id}`);
    });

    it('then the field "file" is accepted too, and several files make one upload', async () => {
      const res = await request(gateway.app)
        .post('/upload')
        .attach('file', dicomish, 'a.dcm')
        .attach('file', dicomish, 'b.dcm')
        .expect(202);
      const status = await request(gateway.app).get(`/status/${res.body.id}`).expect(200);
      expect(status.body.upload.files.map((f: { file: string }) => f.file)).toEqual(['0001.dcm', '0002.dcm']);
      expect(status.body.upload.files.map((f: { clientName: string }) => f.clientName)).toEqual(['a.dcm', 'b.dcm']);
    });

    it('then a client path in the file name is kept for display only, never used as a path', async () => {
      const res = await request(gateway.app).post('/upload').attach('files', dicomish, { filename: '../../etc/passwd' }).expect(202);
      const status = await request(gateway.app).get(`/status/${res.body.id}`).expect(200);
      expect(status.body.upload.files[0]).toMatchObject({ file: '0001.dcm', clientName: 'passwd' });
    });
  });

  describe('when the request is refused', () => {
    it('then a JSON body answers 415 UNSUPPORTED_MEDIA_TYPE', async () => {
      const res = await request(gateway.app).post('/upload').send({ files: [] }).expect(415);
      expect(res.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      expect(res.body.requestId).toBeTruthy();
    });

    it('then a multipart body without a file part answers 400 UPLOAD_NO_FILES and stages nothing', async () => {
      const res = await request(gateway.app).post('/upload').field('note', 'hello').expect(400);
      expect(res.body.error.code).toBe('UPLOAD_NO_FILES');
      expect(await staged()).toEqual([]);
    });

    it('then a file in another field answers 400 UPLOAD_UNEXPECTED_FIELD', async () => {
      const res = await request(gateway.app).post('/upload').attach('dicom', dicomish, 'a.dcm').expect(400);
      expect(res.body.error.code).toBe('UPLOAD_UNEXPECTED_FIELD');
      expect(await staged()).toEqual([]);
    });

    it('then a file over the per-file limit answers 413 UPLOAD_FILE_TOO_LARGE and its partial copy is removed', async () => {
      const res = await request(gateway.app)
        .post('/upload')
        .attach('files', Buffer.alloc((1 << 20) + 1), 'big.dcm')
        .expect(413);
      expect(res.body.error.code).toBe('UPLOAD_FILE_TOO_LARGE');
      expect(await staged()).toEqual([]);
    });

    it('then more files than allowed answer 413 UPLOAD_TOO_MANY_FILES', async () => {
      let req = request(gateway.app).post('/upload');
      for (let i = 0; i < 6; i++) req = req.attach('files', dicomish, `${i}.dcm`);
      const res = await req.expect(413);
      expect(res.body.error.code).toBe('UPLOAD_TOO_MANY_FILES');
      expect(await staged()).toEqual([]);
    });

    it('then files that are each small but together too large answer 413 UPLOAD_TOO_LARGE', async () => {
      const part = Buffer.alloc(900 * 1024);
      const res = await request(gateway.app)
        .post('/upload')
        .attach('files', part, 'a.dcm')
        .attach('files', part, 'b.dcm')
        .attach('files', part, 'c.dcm')
        .expect(413);
      expect(res.body.error.code).toBe('UPLOAD_TOO_LARGE');
      expect(await staged()).toEqual([]);
    });

    it('then a chunked upload (no Content-Length) that grows past the per-upload limit answers 413 and is removed', async () => {
      const server = gateway.app.listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      try {
        const { port } = server.address() as AddressInfo;
        const boundary = 'B0undary';
        const part = (name: string) => `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${name}"\r\n\r\n`;
        const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = http.request(
            {
              port,
              host: '127.0.0.1',
              method: 'POST',
              path: '/upload',
              headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'transfer-encoding': 'chunked' },
            },
            (res) => {
              let body = '';
              res.on('data', (c) => (body += c));
              res.on('end', () => resolve({ status: res.statusCode!, body }));
            },
          );
          req.on('error', reject);
          for (const name of ['a.dcm', 'b.dcm', 'c.dcm']) {
            req.write(part(name));
            req.write(Buffer.alloc(900 * 1024));
            req.write('\r\n');
          }
          req.end(`--${boundary}--\r\n`);
        });
        expect(answer.status).toBe(413);
        expect(JSON.parse(answer.body).error.code).toBe('UPLOAD_TOO_LARGE');
        expect(await staged()).toEqual([]);
      } finally {
        server.close();
      }
    });

    it('then a multipart body without a boundary answers 400 UPLOAD_MALFORMED', async () => {
      const res = await request(gateway.app).post('/upload').set('content-type', 'multipart/form-data').send('garbage').expect(400);
      expect(res.body.error.code).toBe('UPLOAD_MALFORMED');
      expect(await staged()).toEqual([]);
    });

    it('then a body cut in the middle of a part answers 400 UPLOAD_MALFORMED', async () => {
      const body = '--XyZ\r\nContent-Disposition: form-data; name="files"; filename="a.dcm"\r\n\r\nDICM-but-never-ends';
      const res = await request(gateway.app)
        .post('/upload')
        .set('content-type', 'multipart/form-data; boundary=XyZ')
        .send(body)
        .expect(400);
      expect(res.body.error.code).toBe('UPLOAD_MALFORMED');
      expect(await staged()).toEqual([]);
    });
  });
});

describe('GET /status/:id', () => {
  let gateway: TestGateway;
  beforeEach(async () => {
    gateway = await buildGateway();
  });
  afterEach(() => gateway.cleanup());

  it('when the id is malformed, then 400 STUDY_ID_INVALID', async () => {
    const res = await request(gateway.app).get('/status/..%2F..%2Fetc').expect(400);
    expect(res.body.error.code).toBe('STUDY_ID_INVALID');
  });

  it('when the id is unknown, then 404 STUDY_NOT_FOUND', async () => {
    const res = await request(gateway.app).get('/status/01JD0000000000000000000000').expect(404);
    expect(res.body.error.code).toBe('STUDY_NOT_FOUND');
  });

  it('when the validator is unreachable, then after its retries the study fails with 503 DOWNSTREAM_UNAVAILABLE and keeps its files', async () => {
    const accepted = await request(gateway.app).post('/upload').attach('files', dicomish, 'a.dcm').expect(202);
    const final = await gateway.pipeline.submit(accepted.body.id);
    expect(final.state).toBe('failed');
    expect(final.outcome).toMatchObject({ httpStatus: 503, code: 'DOWNSTREAM_UNAVAILABLE' });
    expect(final.attempts).toBe(1);
    const res = await request(gateway.app).get(`/status/${accepted.body.id}`).expect(200);
    expect(res.body.events.map((e: { type: string }) => e.type)).toEqual(['study.uploaded', 'study.failed']);
    expect(await readdir(`${gateway.config.stagingDir}/${accepted.body.id}`)).toEqual(['0001.dcm']);
  });

  it('when ?wait=true and the pipeline fails, then the upload answers with the outcome status and the status body', async () => {
    const res = await request(gateway.app).post('/upload?wait=true').attach('files', dicomish, 'a.dcm').expect(503);
    expect(res.body).toMatchObject({ state: 'failed', outcome: { code: 'DOWNSTREAM_UNAVAILABLE' } });
  });
});

describe('every route', () => {
  it('when the route is unknown, then a JSON 404 ROUTE_NOT_FOUND; /health answers with helmet headers', async () => {
    const gateway = await buildGateway();
    try {
      const missing = await request(gateway.app).get('/nope').expect(404);
      expect(missing.body.error.code).toBe('ROUTE_NOT_FOUND');
      const health = await request(gateway.app).get('/health').expect(200);
      expect(health.body).toMatchObject({ status: 'ok', service: 'gateway' });
      expect(health.headers['x-content-type-options']).toBe('nosniff');
      expect(health.headers['x-powered-by']).toBeUndefined();
      const ready = await request(gateway.app).get('/ready').expect(503);
      expect(ready.body.checks).toEqual({ validator: 'unreachable', descriptor: 'unreachable' });
    } finally {
      await gateway.cleanup();
    }
  });
});
