import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError, createLogger, createServiceApp } from '../../src/index.ts';

function appThrowing(error: unknown) {
  const router = express.Router();
  router.get('/boom', () => {
    throw error;
  });
  return createServiceApp({ service: 'validator', version: 'test', logger: createLogger('test', 'silent'), routes: [router] });
}

describe('the error handler', () => {
  it('when an AppError is thrown, then its code decides the status and the body is the error envelope', async () => {
    const res = await request(appThrowing(new AppError('STUDY_NOT_FOUND')))
      .get('/boom')
      .expect(404);
    expect(res.body).toEqual({
      error: { code: 'STUDY_NOT_FOUND', message: 'No study with that id' },
      requestId: res.headers['x-request-id'],
    });
  });

  it('when an unknown error is thrown, then 500 INTERNAL without the stack or the original message', async () => {
    const res = await request(appThrowing(new Error('secret /var/lib/path exploded')))
      .get('/boom')
      .expect(500);
    expect(res.body.error).toEqual({ code: 'INTERNAL', message: 'Internal error' });
    expect(JSON.stringify(res.body)).not.toMatch(/secret|\/var\/lib|at /);
  });

  it('when a zod error escapes, then 400 REQUEST_INVALID with the issues', async () => {
    const parsed = z.object({ a: z.number() }).safeParse({ a: 'x' });
    const res = await request(appThrowing(parsed.error)).get('/boom').expect(400);
    expect(res.body.error.code).toBe('REQUEST_INVALID');
    expect(res.body.error.details.issues[0].path).toBe('a');
  });

  it('when the disk is full, then 503 STORAGE_FULL', async () => {
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    const res = await request(appThrowing(full)).get('/boom').expect(503);
    expect(res.body.error.code).toBe('STORAGE_FULL');
  });

  it('when a caller sends a correlation id, then it is echoed back; a hostile one is replaced', async () => {
    const app = appThrowing(new AppError('INTERNAL'));
    const ok = await request(app).get('/health').set('x-correlation-id', 'abc-123').expect(200);
    expect(ok.headers['x-correlation-id']).toBe('abc-123');
    const hostile = await request(app).get('/health').set('x-correlation-id', '<script>').expect(200);
    expect(hostile.headers['x-correlation-id']).not.toBe('<script>');
  });
});
