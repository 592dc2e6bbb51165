import { closeSync, openSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLogger,
  createServiceApp,
  createServiceMetrics,
  fsyncFd,
  syncDirectory,
  writeFileAtomic,
  type ServiceMetrics,
} from '../../src/index.ts';
import { openDatabase } from '../../src/db/index.ts';

const silent = createLogger('test', 'silent');

/** The value of the series of `name` whose labels include `labels`, in Prometheus text; 0 when absent. */
function value(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split('\n').find((l) => {
    const match = /^(\w+)(?:\{(.*)\})? /.exec(l);
    return match?.[1] === name && wanted.every((pair) => (match[2] ?? '').split(',').includes(pair));
  });
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** How far each series moved while `work` ran, read from /metrics text as a scrape would. */
async function scrapeDuring(
  metrics: ServiceMetrics,
  series: Array<[string, Record<string, string>?]>,
  work: () => Promise<unknown>,
): Promise<number[]> {
  const before = await metrics.registry.metrics();
  await work();
  const after = await metrics.registry.metrics();
  return series.map(([name, labels]) => value(after, name, labels) - value(before, name, labels));
}

describe('the work counters on /metrics', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-work-counters-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('when a file is written atomically, then one file flush and one folder flush are counted', async () => {
    const metrics = createServiceMetrics('descriptor');
    const moved = await scrapeDuring(
      metrics,
      [
        ['dsv_fsync_total', { kind: 'file' }],
        ['dsv_fsync_total', { kind: 'directory' }],
      ],
      () => writeFileAtomic(path.join(dir, 'a.json'), '{}\n'),
    );
    expect(moved).toEqual([1, 1]);
  });

  it('when a descriptor is flushed, and callers flush one folder together, then each file flush counts and each round of the folder counts once', async () => {
    const metrics = createServiceMetrics('descriptor');
    const moved = await scrapeDuring(
      metrics,
      [
        ['dsv_fsync_total', { kind: 'file' }],
        ['dsv_fsync_total', { kind: 'directory' }],
      ],
      async () => {
        const fd = openSync(path.join(dir, 'a.json'), 'r');
        try {
          await fsyncFd(fd);
        } finally {
          closeSync(fd);
        }
        // The first call starts a round; the two asked meanwhile share the next one.
        await Promise.all([syncDirectory(dir), syncDirectory(dir), syncDirectory(dir)]);
      },
    );
    expect(moved).toEqual([1, 2]);
  });

  it('when a database commits, then dsv_db_commits_total moves by one', async () => {
    const metrics = createServiceMetrics('gateway');
    const db = openDatabase(path.join(dir, 'test.db'), 'CREATE TABLE IF NOT EXISTS t (x INTEGER PRIMARY KEY);');
    try {
      const insert = db.prepare('INSERT INTO t (x) VALUES (?)');
      const moved = await scrapeDuring(metrics, [['dsv_db_commits_total']], async () =>
        db.transaction(() => [insert.run(1), insert.run(2)])(),
      );
      expect(moved).toEqual([1]);
    } finally {
      db.close();
    }
  });

  it('when requests arrive, then those on /v1/ routes are counted by route pattern where they are received, and the others are not', async () => {
    const metrics = createServiceMetrics('validator');
    const router = express.Router();
    router.post('/v1/checks/:id', (_req, res) => {
      res.json({});
    });
    router.get('/studies', (_req, res) => {
      res.json({});
    });
    const app = createServiceApp({ service: 'validator', logger: silent, routes: [router], metrics });
    await request(app).post('/v1/checks/1.2.3').expect(200);
    await request(app).post('/v1/checks/1.2.4').expect(200);
    await request(app).get('/studies').expect(200);
    const text = (await request(app).get('/metrics').expect(200)).text;
    expect(value(text, 'dsv_internal_requests_total', { route: '/v1/checks/:id', service: 'validator' })).toBe(2);
    expect(text).not.toMatch(/dsv_internal_requests_total\{route="\/studies"/);
    expect(text).not.toMatch(/1\.2\.3/);
  });

  it('when lines are logged, then dsv_log_lines_total counts them by level', async () => {
    const metrics = createServiceMetrics('gateway');
    const logger = createLogger('test', 'info', new Writable({ write: (_chunk, _encoding, done) => done() }));
    const moved = await scrapeDuring(
      metrics,
      [
        ['dsv_log_lines_total', { level: 'info' }],
        ['dsv_log_lines_total', { level: 'error' }],
      ],
      async () => {
        logger.info('one');
        logger.error('two');
        logger.error('three');
      },
    );
    expect(moved).toEqual([1, 2]);
  });
});
