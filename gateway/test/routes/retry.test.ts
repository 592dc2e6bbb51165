import { rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildGateway, type TestGateway } from '../build-gateway.ts';

const dicomish = Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), Buffer.alloc(64)]);

/** The siblings are down (DEAD_URL): every upload fails 503 after its retries. */
describe('POST /studies/:id/retry', () => {
  let gateway: TestGateway;
  beforeEach(async () => {
    gateway = await buildGateway();
  });
  afterEach(() => gateway.cleanup());

  async function failedStudy(): Promise<string> {
    const res = await request(gateway.app).post('/upload?wait=true').attach('files', dicomish, 'a.dcm').expect(503);
    return res.body.id as string;
  }

  it('when the study failed, then 202 with the state it was accepted in, and it runs again from its staged files', async () => {
    const id = await failedStudy();
    const res = await request(gateway.app).post(`/studies/${id}/retry`).expect(202);
    expect(res.body).toEqual({ id, state: 'received', statusUrl: `/status/${id}` });
    expect(res.headers.location).toBe(`/status/${id}`);
    const final = await gateway.pipeline.submit(id);
    expect(final).toMatchObject({
      state: 'failed',
      attempts: 2,
      outcome: { code: 'DOWNSTREAM_UNAVAILABLE', details: { service: 'validator', attempts: 2 } },
    });
    expect(final.events.map((e) => e.type)).toEqual(['study.uploaded', 'study.failed', 'study.retried', 'study.failed']);
  });

  it('when ?wait=true, then it answers the final status with its code', async () => {
    const id = await failedStudy();
    const res = await request(gateway.app).post(`/studies/${id}/retry?wait=true`).expect(503);
    expect(res.body).toMatchObject({ id, state: 'failed', attempts: 2 });
  });

  it('when the study is running again already, then 409 STUDY_NOT_RETRYABLE', async () => {
    // A validator that answers 503, or holds its answers while told to: the run started by the first
    // retry is still under way when the second comes (against a dead port it could end in between).
    const held: http.ServerResponse[] = [];
    let holding = false;
    const validator = http.createServer((req, res) => {
      req.resume();
      if (holding) held.push(res);
      else res.writeHead(503).end();
    });
    await new Promise<void>((resolve) => validator.listen(0, '127.0.0.1', resolve));
    try {
      await gateway.cleanup();
      gateway = await buildGateway({ validatorUrl: `http://127.0.0.1:${(validator.address() as AddressInfo).port}` });
      const id = await failedStudy();
      holding = true;
      await request(gateway.app).post(`/studies/${id}/retry`).expect(202);
      await vi.waitFor(() => expect(held).toHaveLength(1));
      const res = await request(gateway.app).post(`/studies/${id}/retry`).expect(409);
      expect(res.body.error).toMatchObject({ code: 'STUDY_NOT_RETRYABLE' });
      holding = false;
      for (const answer of held.splice(0)) answer.writeHead(503).end();
      await gateway.pipeline.submit(id);
    } finally {
      validator.closeAllConnections();
      await new Promise((resolve) => validator.close(resolve));
    }
  });

  it('when the study is not failed, then 409 STUDY_NOT_RETRYABLE with its state', async () => {
    const id = await failedStudy();
    await gateway.store.update(id, (s) => {
      s.state = 'stored';
    });
    const res = await request(gateway.app).post(`/studies/${id}/retry`).expect(409);
    expect(res.body.error).toMatchObject({ code: 'STUDY_NOT_RETRYABLE', details: { state: 'stored' } });
  });

  it('when its staged files are gone, then 409 STUDY_NOT_RETRYABLE saying so', async () => {
    const id = await failedStudy();
    await rm(path.join(gateway.config.stagingDir, id), { recursive: true });
    const res = await request(gateway.app).post(`/studies/${id}/retry`).expect(409);
    expect(res.body.error.message).toBe('The staged files of this study are gone');
  });

  it('when the id is unknown or malformed, then 404 STUDY_NOT_FOUND or 400 STUDY_ID_INVALID', async () => {
    expect((await request(gateway.app).post('/studies/01JD0000000000000000000000/retry').expect(404)).body.error.code).toBe(
      'STUDY_NOT_FOUND',
    );
    expect((await request(gateway.app).post('/studies/..%2Fetc/retry').expect(400)).body.error.code).toBe('STUDY_ID_INVALID');
  });
});

describe('when deliveries have finished', () => {
  let gateway: TestGateway;
  beforeEach(async () => {
    gateway = await buildGateway();
  });
  afterEach(() => gateway.cleanup());

  it('then none is held in memory: GET /status/<id> reads it back whole, the list has it, and it can be retried', async () => {
    const answers = [];
    for (let i = 0; i < 3; i++) {
      answers.push(
        (
          await request(gateway.app)
            .post('/upload?wait=true')
            .attach('files', Buffer.concat([dicomish, Buffer.from([i])]), 'a.dcm')
            .expect(503)
        ).body,
      );
    }
    expect(gateway.store.inMemory).toBe(0);
    const first = answers[0] as { id: string };
    const status = (await request(gateway.app).get(`/status/${first.id}`).expect(200)).body;
    expect(status).toEqual(answers[0]);
    const listed = (await request(gateway.app).get('/status?state=failed').expect(200)).body.uploads.map((u: { id: string }) => u.id);
    expect(listed).toEqual(answers.map((a) => (a as { id: string }).id));
    await request(gateway.app).post(`/studies/${first.id}/retry`).expect(202);
    const final = await gateway.pipeline.submit(first.id);
    expect(final).toMatchObject({ state: 'failed', attempts: 2 });
    expect((await request(gateway.app).get(`/status/${first.id}`).expect(200)).body).toMatchObject({ state: 'failed', attempts: 2 });
  });
});

describe('GET /status', () => {
  let gateway: TestGateway;
  beforeEach(async () => {
    gateway = await buildGateway();
  });
  afterEach(() => gateway.cleanup());

  it('when asked for the failed uploads, then it lists them, oldest first, in short; an unknown state is 400', async () => {
    const first = await request(gateway.app).post('/upload?wait=true').attach('files', dicomish, 'a.dcm').expect(503);
    const second = await request(gateway.app)
      .post('/upload?wait=true')
      .attach('files', Buffer.concat([dicomish, Buffer.from('x')]), 'b.dcm')
      .expect(503);
    const res = await request(gateway.app).get('/status?state=failed').expect(200);
    expect(res.body.uploads.map((u: { id: string }) => u.id)).toEqual([first.body.id, second.body.id]);
    expect(res.body.uploads[0]).toMatchObject({
      state: 'failed',
      attempts: 1,
      outcome: { code: 'DOWNSTREAM_UNAVAILABLE' },
      statusUrl: `/status/${first.body.id}`,
    });
    expect((await request(gateway.app).get('/status?state=stored').expect(200)).body.uploads).toEqual([]);
    expect((await request(gateway.app).get('/status?state=lost').expect(400)).body.error.code).toBe('REQUEST_INVALID');
  });

  it('when the uploads are more than a page, then each page follows the last by nextCursor, oldest first, and the last says null', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await request(gateway.app)
        .post('/upload?wait=true')
        .attach('files', Buffer.concat([dicomish, Buffer.from([i])]), 'a.dcm')
        .expect(503);
      ids.push(res.body.id as string);
    }
    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const page = (
        await request(gateway.app)
          .get('/status')
          .query({ limit: 2, ...(cursor ? { cursor } : {}) })
          .expect(200)
      ).body as { uploads: Array<{ id: string }>; nextCursor: string | null };
      pages.push(page.uploads.map((u) => u.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(pages).toEqual([ids.slice(0, 2), ids.slice(2, 4), ids.slice(4)]);
    expect((await request(gateway.app).get('/status').expect(200)).body).toMatchObject({ nextCursor: null });
    expect((await request(gateway.app).get('/status').query({ state: 'failed', limit: 5 }).expect(200)).body.nextCursor).toBeNull();
  });

  it('when a parameter is unknown, a limit out of 1 to 1000 or a cursor not an id, then 400 REQUEST_INVALID naming it', async () => {
    for (const [query, parameter] of [
      [{ stat: 'failed' }, ''],
      [{ limit: 0 }, 'limit'],
      [{ limit: 1001 }, 'limit'],
      [{ limit: 'ten' }, 'limit'],
      [{ cursor: '../etc' }, 'cursor'],
    ] as const) {
      const res = await request(gateway.app).get('/status').query(query).expect(400);
      expect(res.body.error.code).toBe('REQUEST_INVALID');
      expect(JSON.stringify(res.body.error.details)).toContain(parameter || 'stat');
    }
  });
});
