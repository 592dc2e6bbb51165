import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GroupCommit, openDatabase, type SqliteDatabase } from '../../src/db/index.ts';

describe('GroupCommit', () => {
  let dir: string;
  let db: SqliteDatabase;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-group-commit-'));
    db = openDatabase(path.join(dir, 'test.db'), 'CREATE TABLE IF NOT EXISTS t (x INTEGER PRIMARY KEY);');
  });
  afterEach(async () => {
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  const countFromAnotherConnection = (): number => {
    const other = new Database(path.join(dir, 'test.db'), { readonly: true });
    try {
      return other.prepare('SELECT COUNT(*) FROM t').pluck().get() as number;
    } finally {
      other.close();
    }
  };

  it('when writes are asked for in one turn, then they run in one transaction and each resolves once committed', async () => {
    const commits = new GroupCommit(db);
    const insert = db.prepare('INSERT INTO t (x) VALUES (?)');
    const seen: boolean[] = [];
    const writes = [1, 2, 3].map((x) =>
      commits.run(() => {
        seen.push(db.inTransaction);
        return insert.run(x).changes;
      }),
    );
    // Nothing runs before the turn ends.
    expect(seen).toEqual([]);
    expect(await Promise.all(writes)).toEqual([1, 1, 1]);
    expect(seen).toEqual([true, true, true]);
    expect(countFromAnotherConnection()).toBe(3);
  });

  it('when one write of a batch throws, then it alone is rolled back and rejects, and the others are committed', async () => {
    const commits = new GroupCommit(db);
    const insert = db.prepare('INSERT INTO t (x) VALUES (?)');
    const results = await Promise.allSettled([
      commits.run(() => insert.run(1)),
      commits.run(() => {
        insert.run(2);
        insert.run(1); // the primary key again: this write fails, after its first insert
      }),
      commits.run(() => insert.run(3)),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(db.prepare('SELECT x FROM t ORDER BY x').pluck().all()).toEqual([1, 3]);
    expect(countFromAnotherConnection()).toBe(2);
  });

  it('when writes come in later turns, then each turn gets its own transaction, in order', async () => {
    const commits = new GroupCommit(db);
    const insert = db.prepare('INSERT INTO t (x) VALUES (?)');
    await commits.run(() => insert.run(1));
    await commits.run(() => insert.run(2));
    expect(db.prepare('SELECT x FROM t ORDER BY x').pluck().all()).toEqual([1, 2]);
  });
});
