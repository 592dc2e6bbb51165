import { existsSync, fstatSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, WalFlush, type SqliteDatabase } from '../../src/db/index.ts';

describe('WalFlush', () => {
  let dir: string;
  let db: SqliteDatabase;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-wal-flush-'));
    db = openDatabase(path.join(dir, 'test.db'), 'CREATE TABLE IF NOT EXISTS t (x INTEGER PRIMARY KEY);');
  });
  afterEach(async () => {
    if (db.open) db.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A sync that runs only when the test lets it, and counts the descriptors it was given. */
  function heldSync() {
    const calls: number[] = [];
    const releases: (() => void)[] = [];
    const sync = (fd: number) => {
      calls.push(fd);
      return new Promise<void>((resolve) => releases.push(resolve));
    };
    return { calls, sync, release: () => releases.shift()!() };
  }

  it('when flushes are asked for while one runs, then they share one more flush, which starts after it', async () => {
    db.prepare('INSERT INTO t (x) VALUES (1)').run();
    const held = heldSync();
    const wal = new WalFlush(`${db.name}-wal`, held.sync);
    const done: string[] = [];
    const first = wal.flush().then(() => done.push('first'));
    const second = wal.flush().then(() => done.push('second'));
    const third = wal.flush().then(() => done.push('third'));
    await new Promise((resolve) => setImmediate(resolve));
    // The later two may have committed after the first flush began: they wait for a flush of their own.
    expect(held.calls).toHaveLength(1);
    held.release();
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    expect(held.calls).toHaveLength(2);
    expect(done).toEqual(['first']);
    held.release();
    await Promise.all([second, third]);
    expect(done).toEqual(['first', 'second', 'third']);
    wal.close();
  });

  it('when the WAL file is there, then a real flush resolves; when it is gone, then there is nothing to flush', async () => {
    db.prepare('INSERT INTO t (x) VALUES (1)').run();
    const walPath = `${db.name}-wal`;
    expect(existsSync(walPath)).toBe(true);
    const wal = new WalFlush(walPath);
    await wal.flush();
    // Closing the last connection checkpoints the WAL into the database and removes it.
    db.close();
    expect(existsSync(walPath)).toBe(false);
    await expect(wal.flush()).resolves.toBeUndefined();
    wal.close();
  });

  it('when SQLite makes the WAL file anew, then the next flush syncs the new file, not the old descriptor', async () => {
    // Descriptor numbers are reused: the file synced is told by its inode.
    const inodes: number[] = [];
    const wal = new WalFlush(`${db.name}-wal`, async (fd) => {
      inodes.push(fstatSync(fd).ino);
    });
    db.prepare('INSERT INTO t (x) VALUES (1)').run();
    await wal.flush();
    db.close();
    db = openDatabase(path.join(dir, 'test.db'), '');
    db.prepare('INSERT INTO t (x) VALUES (2)').run();
    await wal.flush();
    expect(inodes).toHaveLength(2);
    expect(inodes[1]).toBe(statSync(`${db.name}-wal`).ino);
    expect(inodes[1]).not.toBe(inodes[0]);
    wal.close();
  });
});
