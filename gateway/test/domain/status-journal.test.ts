import { appendFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLogger, newStudyId } from '@dsv/common';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { JOURNAL_FILE, readStatusJournal } from '../../src/domain/status-journal.ts';
import { StatusStore, type StatusStoreOptions } from '../../src/domain/status-store.ts';
import type { StudyStatus } from '../../src/domain/study-status.ts';
import { newStatus } from '../study-status.ts';

const calls = vi.hoisted(() => ({ fdatasync: 0, failFolderFlush: false }));
vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>();
  const fdatasync = ((fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
    calls.fdatasync += 1;
    actual.fdatasync(fd, callback);
  }) as typeof actual.fdatasync;
  // A folder whose flush fails (an I/O error of the disk), when a test asks for it.
  const fsyncSync = ((fd: number) => {
    if (calls.failFolderFlush && actual.fstatSync(fd).isDirectory()) throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
    actual.fsyncSync(fd);
  }) as typeof actual.fsyncSync;
  return { ...actual, fdatasync, fsyncSync, default: { ...actual, fdatasync, fsyncSync } };
});

const logger = createLogger('gateway', 'silent');

const statusOf = (id: string, state: StudyStatus['state'] = 'received'): StudyStatus =>
  newStatus(id, [{ file: '0001.dcm', clientName: 'a.dcm', sizeBytes: 1, sha256: 'a' }], state);

describe('StatusStore on its journal', () => {
  let dir: string;
  const stores: StatusStore[] = [];
  const open = async (options?: StatusStoreOptions): Promise<StatusStore> => {
    const store = new StatusStore(dir, logger, options);
    stores.push(store);
    await store.open();
    return store;
  };

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-journal-'));
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('when statuses change and the store opens again, then each id has its last persisted change, and one not persisted is not there', async () => {
    const store = await open();
    const [a, b] = [newStudyId(), newStudyId()];
    await store.create(statusOf(a));
    await store.create(statusOf(b));
    await store.update(a, (s) => void (s.state = 'describing'));
    await store.update(b, (s) => void (s.state = 'validating'), { persist: false });
    store.close();

    const again = await open();
    expect(again.get(a)!.state).toBe('describing');
    expect(again.get(b)!.state).toBe('received');
    // Appended to as it is: a third of it superseded is not worth a rewrite.
    expect(readFileSync(path.join(dir, JOURNAL_FILE), 'utf8').trim().split('\n')).toHaveLength(3);
  });

  it('when the store opens a journal past minRollBytes that is more than half superseded lines, then it is rewritten first, one line per status; when less, it is appended to as it is', async () => {
    const journal = path.join(dir, JOURNAL_FILE);
    const [a, b] = [newStudyId(), newStudyId()];
    const line = (id: string, attempts: number) => `${JSON.stringify({ ...statusOf(id), attempts })}\n`;
    // Three lines for two statuses (~400 bytes each): kept.
    writeFileSync(journal, line(a, 0) + line(b, 0) + line(a, 1));
    const kept = statSync(journal).ino;
    const first = await open({ minRollBytes: 1024 });
    expect(statSync(journal).ino).toBe(kept);
    expect(first.get(a)!.attempts).toBe(1);
    first.close();
    // Five lines for two: rewritten.
    writeFileSync(journal, line(a, 0) + line(b, 0) + line(a, 1) + line(b, 1) + line(a, 2));
    const superseded = statSync(journal).ino;
    const second = await open({ minRollBytes: 1024 });
    expect(statSync(journal).ino).not.toBe(superseded);
    expect(readFileSync(journal, 'utf8').trim().split('\n')).toHaveLength(2);
    expect([second.get(a)!.attempts, second.get(b)!.attempts]).toEqual([2, 1]);
  });

  it('when many changes are persisted at once, then they share flushes (group commit) and each resolves once on disk', async () => {
    const store = await open();
    const ids = Array.from({ length: 20 }, () => newStudyId());
    calls.fdatasync = 0;
    await Promise.all(ids.map((id) => store.create(statusOf(id))));
    // The first change's flush, and one more for the nineteen that came while it ran.
    expect(calls.fdatasync).toBe(2);
    expect(store.pendingWrites).toBe(0);
    expect([...readStatusJournal(dir).keys()].sort()).toEqual([...ids].sort());
  });

  it('when a crash cut the last append short, then that line is skipped and the rest is read', async () => {
    const store = await open();
    const id = newStudyId();
    await store.create(statusOf(id));
    await store.update(id, (s) => void (s.state = 'describing'));
    store.close();
    appendFileSync(path.join(dir, JOURNAL_FILE), `{"id":"${id}","state":"sto`);

    expect(readStatusJournal(dir).get(id)!.state).toBe('describing');
    const again = await open();
    expect(again.get(id)!.state).toBe('describing');
    expect(readFileSync(path.join(dir, JOURNAL_FILE), 'utf8')).toMatch(/\}\n$/);
  });

  it('when a line in the middle is damaged or not a status, then it is skipped with a warning and the lines after it count', async () => {
    const [a, b] = [newStudyId(), newStudyId()];
    const warn = vi.fn();
    writeFileSync(path.join(dir, JOURNAL_FILE), `${JSON.stringify(statusOf(a))}\n{garbage\n{"state":"stored"}\n${JSON.stringify(statusOf(b, 'stored'))}\n`);
    const statuses = readStatusJournal(dir, { warn } as unknown as typeof logger);
    expect([...statuses.keys()].sort()).toEqual([a, b].sort());
    expect(statuses.get(b)!.state).toBe('stored');
    expect(warn).toHaveBeenCalledWith({ line: 2 }, 'unreadable status journal line skipped');
    expect(warn).toHaveBeenCalledWith({ line: 3 }, 'unreadable status journal line skipped');
  });

  it('when the journal is bigger than one read, then every line is read whole, those across the pieces too, and rewritten whole', async () => {
    // ~2.2 KB a status, 3000 of them: about 6.6 MB, past the 4 MiB read and the 4 MiB write pieces.
    const ids = Array.from({ length: 3000 }, () => newStudyId());
    const lines = ids.map((id, index) => {
      const status = statusOf(id, index % 2 === 0 ? 'stored' : 'failed');
      status.upload.files[0]!.clientName = `${String(index).padStart(6, '0')}-${'x'.repeat(2100)}.dcm`;
      return `${JSON.stringify(status)}\n`;
    });
    writeFileSync(path.join(dir, JOURNAL_FILE), lines.join(''));
    const statuses = readStatusJournal(dir);
    expect(statuses.size).toBe(3000);
    for (const [index, id] of ids.entries()) {
      expect(statuses.get(id)!.state).toBe(index % 2 === 0 ? 'stored' : 'failed');
      expect(statuses.get(id)!.upload.files[0]!.clientName.startsWith(String(index).padStart(6, '0'))).toBe(true);
    }
    const store = await open();
    expect(store.page({ limit: 5000 }).statuses).toHaveLength(3000);
    expect(readFileSync(path.join(dir, JOURNAL_FILE), 'utf8')).toBe(lines.join(''));
  });

  it('when a line is longer than one read (a status naming thousands of files), then it is read whole', async () => {
    const [a, b] = [newStudyId(), newStudyId()];
    const long = statusOf(a, 'stored');
    long.upload.files = Array.from({ length: 25_000 }, (_, i) => ({ file: `${String(i + 1).padStart(6, '0')}.dcm`, clientName: `scan-${i}-${'y'.repeat(150)}.dcm`, sizeBytes: 1, sha256: 'a' }));
    const lines = `${JSON.stringify(statusOf(b))}\n${JSON.stringify(long)}\n`;
    expect(lines.length).toBeGreaterThan(4 << 20);
    writeFileSync(path.join(dir, JOURNAL_FILE), lines);
    const store = await open();
    expect(store.get(a)!.upload.files).toHaveLength(25_000);
    expect(store.get(a)!.upload.files.at(-1)!.file).toBe('025000.dcm');
    expect(store.get(b)!.state).toBe('received');
  });

  it('when the folder holds the file-per-upload layout of before, then its statuses are taken into the journal and the files removed', async () => {
    const [a, b] = [newStudyId(), newStudyId()];
    writeFileSync(path.join(dir, `${a}.json`), JSON.stringify(statusOf(a, 'stored')));
    writeFileSync(path.join(dir, `${b}.json`), JSON.stringify(statusOf(b, 'failed')));
    writeFileSync(path.join(dir, `.${a}.json.77.3.tmp`), '{"half":');
    const store = await open();
    expect(store.get(a)!.state).toBe('stored');
    expect(store.get(b)!.state).toBe('failed');
    expect(readdirSync(dir)).toEqual([JOURNAL_FILE]);
  });

  it('when the journal grows past its limit, then it is rewritten with the current statuses and keeps every change', async () => {
    const store = await open({ minRollBytes: 4096 });
    const ids = Array.from({ length: 5 }, () => newStudyId());
    for (const id of ids) await store.create(statusOf(id));
    for (let round = 0; round < 40; round += 1) {
      for (const id of ids) await store.update(id, (s) => void (s.attempts = round));
    }
    await store.compacted();
    // 205 lines of ~400 bytes appended: without rewrites the file would be ~80 KB.
    expect(statSync(path.join(dir, JOURNAL_FILE)).size).toBeLessThan(3 * 4096);
    for (const status of readStatusJournal(dir).values()) expect(status.attempts).toBe(39);
    expect(readdirSync(dir)).toEqual([JOURNAL_FILE]);
  });

  it('when ids were made in one order and recorded in another, then a page lists them in id order from the cursor on, before and after a compaction', async () => {
    const store = await open({ minRollBytes: 4096 });
    const ids = Array.from({ length: 12 }, () => newStudyId()).sort();
    // Each pair recorded the later first, as two uploads started together and ended the other way round.
    for (let i = 0; i < ids.length; i += 2) {
      await store.create(statusOf(ids[i + 1]!));
      await store.create(statusOf(ids[i]!, 'stored'));
    }
    const walk = (state?: StudyStatus['state']): string[][] => {
      const pages: string[][] = [];
      let after: string | undefined;
      for (;;) {
        const { statuses, more } = store.page({ after, state, limit: 5 });
        pages.push(statuses.map((s) => s.id));
        if (!more) return pages;
        after = statuses.at(-1)!.id;
      }
    };
    expect(walk()).toEqual([ids.slice(0, 5), ids.slice(5, 10), ids.slice(10)]);
    expect(walk('stored').flat()).toEqual(ids.filter((_, i) => i % 2 === 0));
    for (const id of ids) for (let round = 0; round < 3; round++) await store.update(id, (s) => void (s.attempts = round));
    expect(walk()).toEqual([ids.slice(0, 5), ids.slice(5, 10), ids.slice(10)]);
  });

  describe('when more uploads have finished than finishedInMemory', () => {
    const finish = async (store: StatusStore, count: number): Promise<string[]> => {
      const ids = Array.from({ length: count }, () => newStudyId());
      for (const [index, id] of ids.entries()) {
        await store.create(statusOf(id));
        await store.update(id, (s) => {
          s.state = index % 3 === 2 ? 'rejected' : 'stored';
          s.attempts = index + 1;
        });
      }
      return ids;
    };

    it('then only the latest used stay in memory, and any other is read back whole from the journal', async () => {
      const store = await open({ finishedInMemory: 3 });
      const ids = await finish(store, 10);
      const unfinished = newStudyId();
      await store.create(statusOf(unfinished));
      expect(store.inMemory).toBe(4);
      const persisted = readStatusJournal(dir);
      for (const [index, id] of ids.entries()) {
        expect(store.stateOf(id)).toBe(index % 3 === 2 ? 'rejected' : 'stored');
        expect(store.get(id)).toEqual(persisted.get(id));
      }
      // Reading them back kept the last three read, and the unfinished one was never dropped.
      expect(store.inMemory).toBe(4);
      expect(store.get(unfinished)!.state).toBe('received');
      const page = store.page({ state: 'rejected', limit: 2 });
      expect(page.statuses.map((s) => s.id)).toEqual([ids[2], ids[5]]);
      expect(page.more).toBe(true);
    });

    it('then a status read back takes a change like any other, persisted, and the same object answers until it is dropped again', async () => {
      const store = await open({ finishedInMemory: 2 });
      const [first] = await finish(store, 5);
      const updated = await store.update(first!, (s) => void (s.attempts = 99));
      expect(store.get(first!)).toBe(updated);
      store.close();
      const again = await open({ finishedInMemory: 2 });
      expect(again.get(first!)!.attempts).toBe(99);
    });

    it('then a change not persisted keeps its status in memory until one is', async () => {
      const store = await open({ finishedInMemory: 1 });
      const [first] = await finish(store, 1);
      await store.update(first!, (s) => void (s.attempts = 42), { persist: false });
      await finish(store, 4);
      expect(store.get(first!)!.attempts).toBe(42);
      await store.update(first!, (s) => void (s.attempts = 43));
      await finish(store, 2);
      expect(store.inMemory).toBe(1);
      expect(store.get(first!)!.attempts).toBe(43);
    });

    it('then after the journal is compacted the statuses not in memory are still read back from the new file', async () => {
      const store = await open({ finishedInMemory: 2, minRollBytes: 4096 });
      const ids = await finish(store, 30);
      await store.compacted();
      // 60 lines of ~500 bytes appended: compacted on the way, so some superseded lines are gone.
      expect(readFileSync(path.join(dir, JOURNAL_FILE), 'utf8').trim().split('\n').length).toBeLessThan(60);
      for (const [index, id] of ids.entries()) expect(store.get(id)!.attempts).toBe(index + 1);
    });

    it('then a store opening a journal of many keeps only that many parsed', async () => {
      const first = await open();
      const ids = await finish(first, 12);
      first.close();
      const visited: string[] = [];
      const store = new StatusStore(dir, logger, { finishedInMemory: 5 });
      stores.push(store);
      const opened = await store.open((status) => visited.push(status.id));
      expect(opened).toEqual({ count: 12, unfinished: [] });
      expect(visited).toEqual([...ids].sort());
      expect(store.inMemory).toBe(5);
      expect(store.get(ids[0]!)!.attempts).toBe(1);
    });
  });

  describe('when the journal is compacted while statuses keep coming', () => {
    // ~2.3 KB a line, as a status with its events is: 2,800 of them make more than one 4 MiB slice.
    const padded = (id: string): StudyStatus => newStatus(id, [{ file: '0001.dcm', clientName: 'x'.repeat(2000), sizeBytes: 1, sha256: 'a' }], 'stored');
    const MIN_ROLL = 6 << 20;
    const lines = (): number => readFileSync(path.join(dir, JOURNAL_FILE), 'utf8').trim().split('\n').length;
    /** Statuses up to just past MIN_ROLL, the last append left running: the compaction it starts is under way. */
    const fillUntilCompaction = async (store: StatusStore): Promise<{ ids: string[]; last: Promise<unknown> }> => {
      const ids: string[] = [];
      for (;;) {
        const id = newStudyId();
        ids.push(id);
        const appended = store.create(padded(id));
        if (statSync(path.join(dir, JOURNAL_FILE)).size > MIN_ROLL) return { ids, last: appended };
        await appended;
      }
    };

    it('then the changes and new statuses appended meanwhile are all read back, after it and after a restart, and superseded lines are gone', async () => {
      const store = await open({ finishedInMemory: 2, minRollBytes: MIN_ROLL });
      const { ids, last } = await fillUntilCompaction(store);
      const appendedLines = ids.length;
      // Appended while the copy runs: changes to statuses it copies or has copied, and new ones.
      const changed = [ids[0]!, ids[Math.floor(ids.length / 2)]!, ids.at(-1)!];
      const added = [newStudyId(), newStudyId()];
      await Promise.all([
        last,
        ...changed.map((id) => store.update(id, (s) => void (s.attempts = 7))),
        ...added.map((id) => store.create(padded(id))),
      ]);
      await store.compacted();
      expect(lines()).toBeLessThan(appendedLines + changed.length + added.length);
      for (const id of changed) expect(store.get(id)!.attempts).toBe(7);
      for (const id of [...ids, ...added]) expect(store.stateOf(id)).toBe('stored');
      expect(readdirSync(dir)).toEqual([JOURNAL_FILE]);
      store.close();

      const compacted = readFileSync(path.join(dir, JOURNAL_FILE));
      const again = await open({ finishedInMemory: 2, minRollBytes: MIN_ROLL });
      expect(again.page({ limit: 10_000 }).statuses.map((s) => s.id)).toEqual([...ids, ...added].sort());
      for (const id of changed) expect(again.get(id)!.attempts).toBe(7);
      // Compact enough: kept as it is at the restart.
      expect(readFileSync(path.join(dir, JOURNAL_FILE)).equals(compacted)).toBe(true);
    });

    it('then closing the store meanwhile stops it: the journal keeps every status and no temporary file is left', async () => {
      const store = await open({ minRollBytes: MIN_ROLL });
      const { ids, last } = await fillUntilCompaction(store);
      await last;
      const before = statSync(path.join(dir, JOURNAL_FILE)).ino;
      store.close();
      await store.compacted();
      // Not replaced: the copy was dropped, not renamed over the journal.
      expect(statSync(path.join(dir, JOURNAL_FILE)).ino).toBe(before);
      expect(readdirSync(dir)).toEqual([JOURNAL_FILE]);
      const again = await open();
      expect(again.page({ limit: 10_000 }).statuses.map((s) => s.id)).toEqual([...ids].sort());
    });

    it('then when the folder cannot be flushed after the copy was renamed over the journal, the statuses appended after it still go into the journal', async () => {
      const store = await open({ minRollBytes: MIN_ROLL });
      calls.failFolderFlush = true;
      let ids: string[];
      try {
        const filled = await fillUntilCompaction(store);
        ids = filled.ids;
        await filled.last;
        await store.compacted();
      } finally {
        calls.failFolderFlush = false;
      }
      const after = newStudyId();
      await store.create(padded(after));
      store.close();
      const again = await open();
      expect(again.get(after)?.state).toBe('stored');
      expect(again.page({ limit: 10_000 }).statuses).toHaveLength(ids.length + 1);
    });

    it('then a compaction that fails is logged, the statuses go on into the journal as it is, and none is lost', async () => {
      const failing = createLogger('gateway', 'silent');
      const errors = vi.spyOn(failing, 'error');
      const store = new StatusStore(dir, failing, { minRollBytes: MIN_ROLL });
      stores.push(store);
      await store.open();
      // The copy's file cannot be created: a folder has its name.
      mkdirSync(path.join(dir, `${JOURNAL_FILE}.${process.pid}.tmp`));
      const { ids, last } = await fillUntilCompaction(store);
      await last;
      await store.compacted();
      expect(errors).toHaveBeenCalledWith(expect.objectContaining({ err: expect.objectContaining({ code: 'EISDIR' }) }), expect.stringContaining('not compacted'));
      const more = newStudyId();
      await store.create(padded(more));
      expect(lines()).toBe(ids.length + 1);
      expect(store.get(more)!.state).toBe('stored');
      expect(store.page({ limit: 10_000 }).statuses).toHaveLength(ids.length + 1);
    });
  });
});
