import { Writable } from 'node:stream';
import express from 'express';
import { pino } from 'pino';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createServiceApp } from '../../src/index.ts';

/** A logger whose lines the test reads back. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines, requests: () => lines.filter((line) => line.msg === 'request') };
}

function appWith(logger: ReturnType<typeof capturingLogger>['logger']) {
  const router = express.Router();
  router.get('/studies/:key', (_req, res) => {
    res.json({ ok: true });
  });
  // A route the services call on one another; ?fail answers as a sibling's refusal would.
  router.post('/v1/deliveries', (req, res) => {
    res.status(req.query.fail === undefined ? 200 : 503).json({ ok: req.query.fail === undefined });
  });
  return createServiceApp({ service: 'gateway', logger, routes: [router] });
}

describe('the access log', () => {
  it('when a request is answered, then one line names its method, route pattern, status, duration and request id, and no value from its URL', async () => {
    const log = capturingLogger();
    const res = await request(appWith(log.logger)).get('/studies/1.2.840.99?PatientID=DOE%5EJOHN&name=Secret').expect(200);
    const lines = log.requests();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      method: 'GET',
      route: '/studies/:key',
      status: 200,
      requestId: res.headers['x-request-id'],
    });
    expect(typeof lines[0]!.durationMs).toBe('number');
    const all = JSON.stringify(log.lines);
    expect(all).not.toMatch(/DOE|JOHN|Secret|PatientID|1\.2\.840\.99/);
  });

  it('when no route matches, then the line has route null and the status of the JSON 404, not the path', async () => {
    const log = capturingLogger();
    await request(appWith(log.logger)).get('/patients/DOE%5EJOHN').expect(404);
    expect(log.requests()).toEqual([expect.objectContaining({ route: null, status: 404, method: 'GET' })]);
    expect(JSON.stringify(log.lines)).not.toMatch(/DOE|patients/);
  });

  it('when an orchestrator probes /health, then the line is at debug level, not info', async () => {
    const log = capturingLogger();
    await request(appWith(log.logger)).get('/health').expect(200);
    expect(log.requests()).toEqual([expect.objectContaining({ level: 20, route: '/health', status: 200 })]);
  });

  it('when a sibling service calls an internal /v1/ route and is answered, then the line is at debug; when refused, at info', async () => {
    const log = capturingLogger();
    const app = appWith(log.logger);
    await request(app).post('/v1/deliveries').send({}).expect(200);
    await request(app).post('/v1/deliveries?fail').send({}).expect(503);
    expect(log.requests()).toEqual([
      expect.objectContaining({ level: 20, route: '/v1/deliveries', status: 200 }),
      expect.objectContaining({ level: 30, route: '/v1/deliveries', status: 503 }),
    ]);
  });
});
