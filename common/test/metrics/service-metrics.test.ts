import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  addStorageGauges,
  createEventBus,
  createLogger,
  createServiceApp,
  createServiceMetrics,
  databaseBytes,
  folderBytes,
  observeEvents,
  requireToken,
} from '../../src/index.ts';

const silent = createLogger('test', 'silent');
const context = { studyId: '01JTESTDELIVERY0000000000', correlationId: 'c-1' };

/** The value of the series of `name` whose labels include `labels`, in Prometheus text (labels in any order). */
function value(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split('\n').find((l) => {
    const match = /^(\w+)\{(.*)\} /.exec(l);
    return match?.[1] === name && wanted.every((pair) => match[2]!.split(',').includes(pair));
  });
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('GET /metrics', () => {
  const token = 'a-token-of-at-least-sixteen';
  const app = () => {
    const router = express.Router();
    router.get('/studies/:key', (_req, res) => {
      res.json({});
    });
    return createServiceApp({
      service: 'descriptor',
      logger: silent,
      routes: [router],
      guard: requireToken({ tokens: [token] }),
      metrics: createServiceMetrics('descriptor'),
    });
  };

  it('when called without the token, then 401 like every other guarded route', async () => {
    const res = await request(app()).get('/metrics').expect(401);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
  });

  it('when called with the token, then Prometheus text with each request counted by route pattern and the service label', async () => {
    const served = app();
    await request(served).get('/studies/1.2.3?PatientID=X').set('authorization', `Bearer ${token}`).expect(200);
    const res = await request(served).get('/metrics').set('authorization', `Bearer ${token}`).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(
      value(res.text, 'dsv_http_request_duration_seconds_count', {
        method: 'GET',
        route: '/studies/:key',
        status: '200',
        service: 'descriptor',
      }),
    ).toBe(1);
    expect(res.text).not.toMatch(/1\.2\.3|PatientID/);
  });
});

describe('observeEvents', () => {
  it('when a delivery goes uploaded → validated → processed, then each event is counted with its code and both stages are timed on the clock', async () => {
    const metrics = createServiceMetrics('gateway');
    const bus = createEventBus(silent, []);
    let clock = 0;
    observeEvents(bus, metrics, () => clock);
    bus.publish('study.uploaded', context, { files: 1, bytes: 10 });
    clock = 1500;
    bus.publish('study.validated', context, { valid: true, errors: 0, warnings: 0 });
    clock = 1750;
    bus.publish('study.processed', context, { code: 'STORED', httpStatus: 201, durationMs: 1700 });
    const text = await metrics.registry.metrics();
    expect(value(text, 'dsv_events_total', { type: 'study.uploaded', code: 'none' })).toBe(1);
    expect(value(text, 'dsv_events_total', { type: 'study.processed', code: 'STORED' })).toBe(1);
    expect(value(text, 'dsv_stage_duration_seconds_sum', { stage: 'validate' })).toBe(1.5);
    expect(value(text, 'dsv_stage_duration_seconds_sum', { stage: 'store' })).toBe(0.25);
    expect(value(text, 'dsv_stage_duration_seconds_sum', { stage: 'delivery' })).toBe(1.7);
  });

  it('when a delivery fails, then its failure is counted by code and no store stage is observed', async () => {
    const metrics = createServiceMetrics('gateway');
    const bus = createEventBus(silent, []);
    observeEvents(bus, metrics, () => 0);
    bus.publish('study.uploaded', context, { files: 1, bytes: 10 });
    bus.publish('study.validated', context, { valid: true, errors: 0, warnings: 0 });
    bus.publish('study.failed', context, { code: 'DESCRIPTOR_UNAVAILABLE', httpStatus: 503, durationMs: 5, reason: 'x' });
    const text = await metrics.registry.metrics();
    expect(value(text, 'dsv_events_total', { type: 'study.failed', code: 'DESCRIPTOR_UNAVAILABLE' })).toBe(1);
    expect(value(text, 'dsv_stage_duration_seconds_count', { stage: 'store' })).toBeUndefined();
  });
});

describe('storage sizes', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-metrics-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('when a database has a write-ahead log, then both files count', async () => {
    await writeFile(path.join(dir, 'x.db'), Buffer.alloc(4096));
    await writeFile(path.join(dir, 'x.db-wal'), Buffer.alloc(100));
    expect(await databaseBytes(path.join(dir, 'x.db'))).toBe(4196);
    expect(await databaseBytes(path.join(dir, 'absent.db'))).toBe(0);
  });

  it('when a folder has more entries than the bound, then the walk stops and says it is incomplete', async () => {
    await mkdir(path.join(dir, 'a'));
    await writeFile(path.join(dir, 'a', '1'), Buffer.alloc(10));
    await writeFile(path.join(dir, 'a', '2'), Buffer.alloc(20));
    await writeFile(path.join(dir, '3'), Buffer.alloc(30));
    expect(await folderBytes(dir)).toEqual({ bytes: 60, complete: true });
    const bounded = await folderBytes(dir, 2);
    expect(bounded.complete).toBe(false);
    expect(bounded.bytes).toBeLessThan(60);
    expect(await folderBytes(path.join(dir, 'absent'))).toEqual({ bytes: 0, complete: true });
  });

  it('when scraped, then the database and folder gauges carry their names', async () => {
    await writeFile(path.join(dir, 'x.db'), Buffer.alloc(512));
    const metrics = createServiceMetrics('descriptor');
    addStorageGauges(metrics, {
      databases: { 'x.db': path.join(dir, 'x.db') },
      folders: { studies: () => ({ bytes: 123, complete: true }) },
    });
    const text = await metrics.registry.metrics();
    expect(value(text, 'dsv_database_bytes', { database: 'x.db' })).toBe(512);
    expect(value(text, 'dsv_folder_bytes', { folder: 'studies' })).toBe(123);
    expect(value(text, 'dsv_folder_bytes_complete', { folder: 'studies' })).toBe(1);
  });
});
