import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GroupCommit, openDatabase, type SqliteDatabase } from '../../src/db/index.ts';
import { readWorkTally } from '../../src/metrics/work-tally.ts';

/** The commits counted while `work` runs (the tally is the process's: read as a difference). */
async function commitsDuring(work: () => unknown): Promise<number> {
  const before = readWorkTally().dbCommits;
  await work();
  return readWorkTally().dbCommits - before;
}

describe('commits counted on a database from openDatabase (dsv_db_commits_total)', () => {
  let dir: string;
  let db: SqliteDatabase;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-count-commits-'));
    db = openDatabase(path.join(dir, 'test.db'), 'CREATE TABLE IF NOT EXISTS t (x INTEGER PRIMARY KEY);');
  });
  afterEach(async () => {
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  const count = (): number => db.prepare('SELECT COUNT(*) FROM t').pluck().get() as number;

  it('when several writes are asked for in one turn of a group commit, then they are one commit', async () => {
    const commits = new GroupCommit(db);
    const insert = db.prepare('INSERT INTO t (x) VALUES (?)');
    expect(await commitsDuring(() => Promise.all([1, 2, 3, 4].map((x) => commits.run(() => insert.run(x)))))).toBe(1);
    expect(count()).toBe(4);
  });

  it('when one write of a group commit throws, then its savepoint is rolled back and the batch is still one commit', async () => {
    const commits = new GroupCommit(db);
    const insert = db.prepare('INSERT INTO t (x) VALUES (?)');
    const outcomes = commitsDuring(() =>
      Promise.allSettled([commits.run(() => insert.run(1)), commits.run(() => insert.run(1)), commits.run(() => insert.run(2))]),
    );
    expect(await outcomes).toBe(1);
    expect(count()).toBe(2);
  });

  it('when a transaction calls another, then the inner one is a savepoint and only the outer commit counts', async () => {
    const insert = db.prepare('INSERT INTO t (x) VALUES (?)');
    const inner = db.transaction((x: number) => insert.run(x));
    const outer = db.transaction(() => [inner(1), inner(2)]);
    expect(await commitsDuring(() => outer())).toBe(1);
    expect(count()).toBe(2);
  });

  it('when a transaction runs in another mode (BEGIN IMMEDIATE, …), then it counts the same', async () => {
    const insert = db.prepare('INSERT INTO t (x) VALUES (?)');
    const write = db.transaction((x: number) => insert.run(x));
    expect(await commitsDuring(() => [write.immediate(1), write.exclusive(2), write.deferred(3), write.default(4)])).toBe(4);
  });

  it('when a transaction throws, then it was rolled back and counts nothing', async () => {
    const insert = db.prepare('INSERT INTO t (x) VALUES (?)');
    const failing = db.transaction(() => {
      insert.run(1);
      throw new Error('refused');
    });
    expect(await commitsDuring(() => expect(() => failing()).toThrow('refused'))).toBe(0);
    expect(count()).toBe(0);
  });

  it('when a writing statement runs outside a transaction, then SQLite commits it alone: one each; a SELECT counts none', async () => {
    const insert = db.prepare('INSERT INTO t (x) VALUES (?)');
    expect(await commitsDuring(() => [insert.run(1), insert.run(2)])).toBe(2);
    expect(await commitsDuring(() => db.prepare('INSERT INTO t (x) VALUES (?) RETURNING x').get(3))).toBe(1);
    expect(await commitsDuring(() => [count(), db.prepare('SELECT x FROM t').all()])).toBe(0);
  });
});
