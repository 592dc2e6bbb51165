import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  AppError,
  createLogger,
  EventBus,
  newStudyId,
  type LifecycleEvent,
  type StableRequest,
  type StableResult,
  type StudyChecksResult,
  type StudyInstances,
} from '@dsv/common';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GatewayData } from '../../src/data/gateway-data.ts';
import { openGatewayDb } from '../../src/data/gateway-db.ts';
import { FAILED_CHECK_FIRST_DELAY_MS, StabilityScheduler, type StabilityDeps } from '../../src/domain/stability-scheduler.ts';
import { StatusStore } from '../../src/domain/status-store.ts';
import { FakeClock } from '../fake-clock.ts';
import { newStatus } from '../study-status.ts';

const STUDY = '1.2.826.0.1.3680043.8.498.9';
const STABLE_AFTER_MS = 10_000;
const GAP = { severity: 'warning' as const, code: 'instance-number-gap', message: 'instances 1 and 3', files: ['0001.dcm'] };

/** Lets the promise callbacks queued so far run (the database answers at once; nothing waits on I/O). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/**
 * The scheduler over a real database, with the descriptor and validator stubbed and a clock moved by
 * hand: no test waits for real time to pass.
 */
describe('StabilityScheduler', () => {
  let dir: string;
  let data: GatewayData;
  let store: StatusStore;
  let clock: FakeClock;
  let calls: string[];
  let stableAnswer: (request: StableRequest) => Promise<StableResult>;
  let checksAnswer: () => Promise<StudyChecksResult>;
  let published: LifecycleEvent[];
  let scheduler: StabilityScheduler;
  const logger = createLogger('gateway', 'silent');

  const instances: StudyInstances['instances'] = [
    { file: '0001.dcm', sizeBytes: 1, readable: true, SOPInstanceUID: '2.25.1', StudyInstanceUID: STUDY },
  ];

  function schedulerWith(stableAfterMs = STABLE_AFTER_MS): StabilityScheduler {
    const events = new EventBus();
    events.on('study.stable', (event) => published.push(event));
    const deps: StabilityDeps = {
      data,
      store,
      events,
      logger,
      stableAfterMs,
      clock,
      retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
      descriptor: {
        async studyInstances(uid, correlationId) {
          calls.push(`instances ${uid} ${correlationId}`);
          const study = (await data.studyRecord(uid))!;
          const held: StudyInstances = { StudyInstanceUID: uid, lastDeliveryId: study.lastDeliveryId, instances };
          return { lastDeliveryId: study.lastDeliveryId, document: Buffer.from(JSON.stringify(held)) };
        },
        async markStable(uid, request) {
          calls.push(`stable ${uid} ${request.lastDeliveryId} ${request.errors.length}/${request.warnings.length}`);
          return stableAnswer(request);
        },
      },
      validator: {
        async studyChecks(document) {
          calls.push(`checks ${(JSON.parse(document.toString('utf8')) as StudyInstances).instances.length}`);
          return checksAnswer();
        },
      },
    };
    return new StabilityScheduler(deps);
  }

  /** A delivery of the study stored now (as the pipeline writes it), with correlation id `corr-<n>`. */
  async function deliver(stableAfterMs = STABLE_AFTER_MS): Promise<string> {
    const id = newStudyId();
    const status = { ...newStatus(id, []), correlationId: `corr-${id}` };
    await store.create(status);
    const at = clock.now();
    await store.update(id, (s) => (s.state = 'stored'), {
      delivered: { StudyInstanceUID: STUDY, deliveryId: id, at, checkAfter: at + stableAfterMs },
    });
    return id;
  }

  const record = async () => (await data.studyRecord(STUDY))!;

  /** Moves the clock on, then waits for the round it started (if any) and for the timer set after it. */
  async function start(): Promise<void> {
    scheduler.start();
    await settle();
  }

  async function advance(ms: number): Promise<void> {
    clock.advance(ms);
    await scheduler.idle();
    await settle();
  }

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-stability-'));
    data = openGatewayDb(path.join(dir, 'gateway.db'));
    store = new StatusStore(data);
    await store.open();
    clock = new FakeClock();
    calls = [];
    published = [];
    checksAnswer = async () => ({ errors: [], warnings: [GAP] });
    stableAnswer = async () => ({ StudyInstanceUID: STUDY, state: 'stable', numberOfSeries: 1, numberOfInstances: 1 });
    scheduler = schedulerWith();
  });
  afterEach(async () => {
    await scheduler.stop();
    await data.close();
    await rm(dir, { recursive: true, force: true });
  });

  describe('when no delivery has reached a study for stableAfterSeconds', () => {
    it('then its instances are checked, the descriptor told, and it is stable, with study.stable published and in the feed', async () => {
      const last = await deliver();
      await start();
      expect(clock.pending).toEqual([STABLE_AFTER_MS]);
      await advance(STABLE_AFTER_MS - 1);
      expect(calls).toEqual([]);
      await advance(1);
      expect(calls).toEqual([`instances ${STUDY} corr-${last}`, 'checks 1', `stable ${STUDY} ${last} 0/1`]);
      expect(await record()).toMatchObject({ state: 'stable', stableAt: clock.now() });
      const expected = {
        type: 'study.stable',
        service: 'gateway',
        studyId: last,
        correlationId: `corr-${last}`,
        data: { studyInstanceUid: STUDY, instances: 1, series: 1, errors: 0, warnings: 1 },
      };
      expect(published).toEqual([expect.objectContaining(expected)]);
      expect((await data.readEvents(0, 100)).events.at(-1)).toMatchObject(expected);
      await settle();
      expect(clock.pending).toEqual([]);
    });

    it('then with stableAfterSeconds 0 the check is due right after the delivery', async () => {
      scheduler = schedulerWith(0);
      scheduler.start();
      await deliver(0);
      scheduler.wake();
      await settle();
      expect(clock.pending).toEqual([0]);
      await advance(0);
      expect((await record()).state).toBe('stable');
    });
  });

  describe('when a delivery reaches the study before it is due', () => {
    it('then the check waits stableAfterSeconds from that delivery', async () => {
      await deliver();
      await start();
      clock.advance(STABLE_AFTER_MS / 2);
      const later = await deliver();
      scheduler.wake();
      await settle();
      expect(clock.pending).toEqual([STABLE_AFTER_MS]);
      await advance(STABLE_AFTER_MS - 1);
      expect(calls).toEqual([]);
      await advance(1);
      expect(calls.at(-1)).toBe(`stable ${STUDY} ${later} 0/1`);
      expect((await record()).state).toBe('stable');
    });
  });

  describe('when a delivery reaches the study during its check', () => {
    it('then it stays receiving, no study.stable is published, and the check is due stableAfterSeconds after that delivery', async () => {
      await deliver();
      let later = '';
      stableAnswer = async () => {
        later = await deliver();
        return { StudyInstanceUID: STUDY, state: 'stable', numberOfSeries: 1, numberOfInstances: 1 };
      };
      await start();
      await advance(STABLE_AFTER_MS);
      expect(await record()).toMatchObject({ state: 'receiving', lastDeliveryId: later });
      expect(published).toEqual([]);
      await settle();
      expect(clock.pending).toEqual([STABLE_AFTER_MS]);
    });

    it('then when the descriptor answers receiving, it stays receiving and is checked again stableAfterSeconds later', async () => {
      await deliver();
      stableAnswer = async () => ({ StudyInstanceUID: STUDY, state: 'receiving', numberOfSeries: 1, numberOfInstances: 2 });
      await start();
      await advance(STABLE_AFTER_MS);
      expect((await record()).state).toBe('receiving');
      expect(published).toEqual([]);
      expect(clock.pending).toEqual([STABLE_AFTER_MS]);
    });
  });

  describe('when a service is unavailable', () => {
    it('then the failure is logged and the check tried again with a growing wait, never thrown; it goes stable once the service answers', async () => {
      const warn = vi.spyOn(logger, 'warn');
      await deliver();
      checksAnswer = () => Promise.reject(new AppError('DOWNSTREAM_UNAVAILABLE', 'The validator is unreachable', { service: 'validator' }));
      await start();
      await advance(STABLE_AFTER_MS);
      expect(await record()).toMatchObject({ state: 'receiving', failures: 1 });
      expect(clock.pending).toEqual([FAILED_CHECK_FIRST_DELAY_MS]);
      expect(warn).toHaveBeenCalledWith(
        expect.objectContaining({ studyInstanceUid: STUDY, failures: 1, code: 'DOWNSTREAM_UNAVAILABLE' }),
        expect.any(String),
      );
      await advance(FAILED_CHECK_FIRST_DELAY_MS);
      expect(clock.pending).toEqual([2 * FAILED_CHECK_FIRST_DELAY_MS]);
      checksAnswer = async () => ({ errors: [], warnings: [] });
      await advance(2 * FAILED_CHECK_FIRST_DELAY_MS);
      expect(await record()).toMatchObject({ state: 'stable', failures: 0 });
      warn.mockRestore();
    });
  });

  describe('when the gateway starts again', () => {
    it('then the studies left receiving are checked when due, as if it had not stopped', async () => {
      await deliver();
      clock.advance(STABLE_AFTER_MS / 4);
      await scheduler.stop();
      scheduler = schedulerWith();
      await start();
      expect(clock.pending).toEqual([(STABLE_AFTER_MS * 3) / 4]);
      await advance((STABLE_AFTER_MS * 3) / 4);
      expect((await record()).state).toBe('stable');
    });
  });

  describe('when stopped', () => {
    it('then no timer stays set and a wake does nothing', async () => {
      await deliver();
      await start();
      expect(clock.pending).toHaveLength(1);
      await scheduler.stop();
      scheduler.wake();
      await settle();
      expect(clock.pending).toEqual([]);
      expect(calls).toEqual([]);
    });
  });
});
