import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { newStudyId, type LifecycleEvent } from '@dsv/common';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GatewayData, StudyRecord } from '../../src/data/gateway-data.ts';
import { openGatewayDb } from '../../src/data/gateway-db.ts';
import { StatusStore } from '../../src/domain/status-store.ts';
import type { StudyState } from '../../src/domain/study-status.ts';
import { newStatus } from '../study-status.ts';

const STUDY = '1.2.826.0.1.3680043.8.498.7';

function event(type: LifecycleEvent['type'], studyId: string): LifecycleEvent {
  return { type, service: 'gateway', studyId, correlationId: 'c', time: '2026-12-07T00:00:00.000Z', data: {} } as LifecycleEvent;
}

describe('the gateway database, through the status store', () => {
  let dir: string;
  let file: string;
  let data: GatewayData;
  let store: StatusStore;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-gateway-db-'));
    file = path.join(dir, 'var', 'gateway.db');
    data = openGatewayDb(file);
    store = new StatusStore(data);
    await store.open();
  });
  afterEach(async () => {
    await data.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function reopen(): Promise<Awaited<ReturnType<StatusStore['open']>>> {
    await data.close();
    data = openGatewayDb(file);
    store = new StatusStore(data);
    return store.open();
  }

  async function delivery(state: StudyState, events: LifecycleEvent['type'][] = []): Promise<string> {
    const id = newStudyId();
    const status = newStatus(id, [{ file: '0001.dcm', clientName: 'a.dcm', sizeBytes: 1, sha256: 'a'.repeat(64) }], state);
    status.events.push(...events.map((type) => event(type, id)));
    await store.create(status);
    return id;
  }

  describe('when statuses are written and the database is opened again', () => {
    it('then each reads back whole, the unfinished ones are there to resume, oldest first, and only those are held in memory', async () => {
      const stored = await delivery('received');
      await store.update(stored, (s) => {
        s.state = 'stored';
        s.outcome = { httpStatus: 201, code: 'STORED', message: 'stored' };
      });
      const received = await delivery('received');
      const validating = await delivery('validating');
      const failed = await delivery('failed');
      const before = await Promise.all([stored, received, validating, failed].map((id) => store.get(id)));
      expect(store.inMemory).toBe(2);

      const opened = await reopen();
      expect(opened.count).toBe(4);
      expect(opened.unfinished.map((s) => s.id)).toEqual([received, validating]);
      expect(await Promise.all([stored, received, validating, failed].map((id) => store.get(id)))).toEqual(before);
      expect(await store.stateOf(stored)).toBe('stored');
      expect(await store.get(newStudyId())).toBeUndefined();
    });

    it('then a change kept in memory (persist: false) is not in the database, and the next written change carries it', async () => {
      const id = await delivery('received');
      await store.update(id, (s) => (s.state = 'validating'), { persist: false });
      expect((await data.readStatus(id))!.state).toBe('received');
      expect(await store.stateOf(id)).toBe('validating');
      await store.update(id, (s) => (s.attempts = 3));
      expect(await data.readStatus(id)).toMatchObject({ state: 'validating', attempts: 3 });
    });
  });

  describe('when a new status cannot be written', () => {
    it('then create() fails and the status is not kept anywhere', async () => {
      const failing = Object.assign(Object.create(data) as GatewayData, {
        writeStatus: () => Promise.reject(new Error('database or disk is full')),
      });
      const refusing = new StatusStore(failing);
      const id = newStudyId();
      await expect(refusing.create(newStatus(id, []))).rejects.toThrow('database or disk is full');
      expect([await refusing.get(id), refusing.inMemory, refusing.pendingWrites]).toEqual([undefined, 0, 0]);
    });
  });

  describe('when a status is written again and again', () => {
    it('then its events reach the feed once each, in order, with a growing seq, also after a reopen', async () => {
      const a = await delivery('received', ['study.uploaded']);
      const b = await delivery('received', ['study.uploaded']);
      await store.update(a, (s) => s.events.push(event('study.validated', a)));
      await store.update(a, (s) => (s.attempts += 1));
      await reopen();
      await store.update(a, (s) => s.events.push(event('study.processed', a)));
      const { events, done } = await data.readEvents(0, 100);
      expect(events.map((e) => [e.studyId, e.type])).toEqual([
        [a, 'study.uploaded'],
        [b, 'study.uploaded'],
        [a, 'study.validated'],
        [a, 'study.processed'],
      ]);
      expect(events.map((e) => e.seq)).toEqual([...events.map((e) => e.seq)].sort((x, y) => x - y));
      expect(new Set(events.map((e) => e.seq)).size).toBe(4);
      expect(done).toBe(true);
      const after = await data.readEvents(events[1]!.seq, 1);
      expect(after).toEqual({ events: [events[2]], done: false });
    });
  });

  describe("when an association's events are appended between status writes", () => {
    it('then the feed has them in the order written, and a status written later does not count them as its own', async () => {
      const association = newStudyId();
      await data.appendEvent(event('association.accepted', association));
      const a = await delivery('received', ['study.uploaded']);
      await data.appendEvent(event('association.released', association));
      await store.update(a, (s) => s.events.push(event('study.processed', s.id)));
      const { events } = await data.readEvents(0, 100);
      expect(events.map((e) => e.type)).toEqual(['association.accepted', 'study.uploaded', 'association.released', 'study.processed']);
      expect(events[0]!.studyId).toBe(association);
    });
  });

  describe('when statuses are listed', () => {
    it('then pages follow each other by id, filtered by state or by study, in short, with the state held in memory', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push(await delivery(i % 2 === 0 ? 'failed' : 'received'));
      await store.update(
        ids[1]!,
        (s) => (s.contents = { StudyInstanceUID: STUDY, modalities: [], numberOfSeries: 1, numberOfInstances: 1 }),
      );
      const first = await store.page({ limit: 2 });
      expect([first.statuses.map((s) => s.id), first.more]).toEqual([ids.slice(0, 2), true]);
      const last = await store.page({ after: ids[3], limit: 2 });
      expect([last.statuses.map((s) => s.id), last.more]).toEqual([ids.slice(4), false]);
      expect((await store.page({ state: 'failed', limit: 10 })).statuses.map((s) => s.id)).toEqual([ids[0], ids[2], ids[4]]);
      expect((await store.page({ StudyInstanceUID: STUDY, limit: 10 })).statuses).toEqual([
        expect.objectContaining({ id: ids[1], StudyInstanceUID: STUDY, state: 'received', attempts: 0, outcome: null }),
      ]);
      await store.update(ids[1]!, (s) => (s.state = 'validating'), { persist: false });
      expect((await store.page({ after: ids[0], limit: 1 })).statuses[0]!.state).toBe('validating');
    });
  });

  describe('when a delivery joins a study', () => {
    const record = async () => (await data.studyRecord(STUDY))!;
    async function deliver(at: number): Promise<string> {
      const id = await delivery('received');
      await store.update(id, (s) => (s.state = 'stored'), {
        delivered: { StudyInstanceUID: STUDY, deliveryId: id, at, checkAfter: at + 10 },
      });
      return id;
    }

    it('then the study is receiving, due stableAfter later, and a later delivery moves it on', async () => {
      const first = await deliver(1000);
      expect(await record()).toEqual({
        StudyInstanceUID: STUDY,
        lastDeliveryId: first,
        lastDeliveryAt: 1000,
        state: 'receiving',
        stableAt: null,
        checkAfter: 1010,
        failures: 0,
      });
      expect(await data.dueStudies(1009, 10)).toEqual([]);
      expect(await data.nextCheck()).toBe(1010);
      const second = await deliver(2000);
      expect(await record()).toMatchObject({ lastDeliveryId: second, checkAfter: 2010 });
      expect((await data.dueStudies(2010, 10)).map((s) => s.StudyInstanceUID)).toEqual([STUDY]);
    });

    it('then marking it stable holds only for the version read: a delivery since keeps it receiving', async () => {
      await deliver(1000);
      const read: StudyRecord = await record();
      await deliver(1500);
      expect(await data.markStable(read, 1600, event('study.stable', read.lastDeliveryId))).toBe(false);
      await data.deferStudy(read, 99_999, 3);
      expect(await record()).toMatchObject({ state: 'receiving', checkAfter: 1510, failures: 0 });
      expect((await data.readEvents(0, 100)).events.map((e) => e.type)).not.toContain('study.stable');

      const current = await record();
      expect(await data.markStable(current, 1600, event('study.stable', current.lastDeliveryId))).toBe(true);
      expect(await record()).toMatchObject({ state: 'stable', stableAt: 1600 });
      expect(await data.nextCheck()).toBeNull();
      expect((await data.readEvents(0, 100)).events.at(-1)).toMatchObject({ type: 'study.stable', studyId: current.lastDeliveryId });
      // A delivery after that: receiving again.
      await deliver(3000);
      expect(await record()).toMatchObject({ state: 'receiving', stableAt: null, checkAfter: 3010 });
    });
  });

  describe('when retention prunes what is older than a cutoff', () => {
    const at = (type: LifecycleEvent['type'], studyId: string, time: number): LifecycleEvent => ({
      ...event(type, studyId),
      time: new Date(time).toISOString(),
    });
    const later = () => new Promise((resolve) => setTimeout(resolve, 5));

    it('then stored and rejected deliveries go with their events, failed and unfinished ones stay whole, and so does everything since', async () => {
      const oldStored = await delivery('received', ['study.uploaded', 'study.processed']);
      await store.update(oldStored, (s) => (s.state = 'stored'), {
        delivered: { StudyInstanceUID: STUDY, deliveryId: oldStored, at: 1, checkAfter: 1 },
      });
      const oldRejected = await delivery('rejected', ['study.uploaded', 'study.rejected']);
      const oldFailed = await delivery('failed', ['study.uploaded', 'study.failed']);
      const oldReceived = await delivery('received', ['study.uploaded']);
      const oldAssociation = newStudyId();
      await data.appendEvent(at('association.accepted', oldAssociation, Date.now()));
      expect(await data.markStable((await data.studyRecord(STUDY))!, 2, at('study.stable', oldStored, Date.now()))).toBe(true);
      await later();
      const cutoff = Date.now();
      await later();
      const newStored = await delivery('stored', ['study.uploaded', 'study.processed']);
      const newAssociation = newStudyId();
      await data.appendEvent(at('association.accepted', newAssociation, Date.now()));

      expect(await data.prune(cutoff, 100)).toEqual({ statuses: 2, events: 6, studies: 1 });
      expect(await data.readStatus(oldStored)).toBeUndefined();
      expect(await data.studyRecord(STUDY)).toBeUndefined();
      expect(await data.readStatus(oldRejected)).toBeUndefined();
      for (const kept of [oldFailed, oldReceived, newStored]) expect(await data.readStatus(kept)).toBeDefined();
      const feed = (await data.readEvents(0, 100)).events.map((e) => [e.studyId, e.type]);
      expect(feed).toEqual([
        [oldFailed, 'study.uploaded'],
        [oldFailed, 'study.failed'],
        [oldReceived, 'study.uploaded'],
        [newStored, 'study.uploaded'],
        [newStored, 'study.processed'],
        [newAssociation, 'association.accepted'],
      ]);
      expect(await data.prune(cutoff, 100)).toEqual({ statuses: 0, events: 0, studies: 0 });

      // A status that stayed, written again, appends only its new events: its count in the feed is whole.
      await store.update(oldFailed, (s) => s.events.push(event('study.retried', oldFailed)));
      expect((await data.readEvents(0, 100)).events.filter((e) => e.studyId === oldFailed).map((e) => e.type)).toEqual([
        'study.uploaded',
        'study.failed',
        'study.retried',
      ]);
    });

    it('then each call removes at most `limit` statuses, oldest first, so that a long backlog goes in short transactions', async () => {
      const ids = [];
      for (let i = 0; i < 5; i++) ids.push(await delivery('stored', ['study.processed']));
      await later();
      const cutoff = Date.now();
      expect(await data.prune(cutoff, 2)).toEqual({ statuses: 2, events: 2, studies: 0 });
      expect(await data.readStatus(ids[0]!)).toBeUndefined();
      expect(await data.readStatus(ids[2]!)).toBeDefined();
      expect(await data.prune(cutoff, 2)).toEqual({ statuses: 2, events: 2, studies: 0 });
      expect(await data.prune(cutoff, 2)).toEqual({ statuses: 1, events: 1, studies: 0 });
      expect(await data.countStatuses()).toBe(0);
    });

    it('then a study record goes once the study is stable since before the cutoff and no kept status names it', async () => {
      const study = (n: number) => `${STUDY}.${n}`;
      /** A stored delivery that joined study `n`, written (and so created) at the time it is called. */
      const joined = async (n: number, time: number) => {
        const id = await delivery('received');
        await store.update(
          id,
          (s) => {
            s.state = 'stored';
            s.study = { StudyInstanceUID: study(n), state: 'receiving' } as typeof s.study;
          },
          { delivered: { StudyInstanceUID: study(n), deliveryId: id, at: time, checkAfter: time + 1 } },
        );
        return id;
      };
      const stable = async (n: number, time: number) =>
        expect(await data.markStable((await data.studyRecord(study(n)))!, time, at('study.stable', study(n), time))).toBe(true);

      // 1: stable long ago, its delivery old too. 2: stable long ago, but a failed delivery (kept) names it.
      // 3: still receiving. 4: stable since after the cutoff.
      await joined(1, 10);
      await stable(1, 20);
      const failed = await joined(2, 10);
      await stable(2, 20);
      await store.update(failed, (s) => (s.state = 'failed'));
      await joined(3, 10);
      await later();
      const cutoff = Date.now();
      await later();
      await joined(4, 10);
      await stable(4, cutoff + 1);

      expect(await data.prune(cutoff, 100)).toMatchObject({ statuses: 2, studies: 1 });
      expect(await data.studyRecord(study(1))).toBeUndefined();
      for (const kept of [2, 3, 4]) expect(await data.studyRecord(study(kept))).toBeDefined();

      // A delivery that joins a study whose record went makes it again, receiving.
      await joined(1, Date.now());
      expect(await data.studyRecord(study(1))).toMatchObject({ state: 'receiving', stableAt: null });
    });
  });
});
