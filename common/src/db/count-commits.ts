import type Database from 'better-sqlite3';
import { countDbCommit } from '../metrics/work-tally.ts';

type Statement = Database.Statement<unknown[], unknown>;

/**
 * Counts every transaction `db` commits (dsv_db_commits_total): each outermost transaction function that
 * returns, and each writing statement run outside one (SQLite commits it by itself). A transaction
 * function called inside another is a savepoint and is not counted; one that throws was rolled back.
 * better-sqlite3 has no commit hook, so its entry points are wrapped on this instance; its own BEGIN and
 * COMMIT statements are prepared by the native handle, not through these.
 */
export function countCommits(db: Database.Database): void {
  const transaction = db.transaction.bind(db);
  const prepare = db.prepare.bind(db);
  const exec = db.exec.bind(db);
  /** Calls `call`, counting one commit if it ran outside any transaction and returned. */
  const counted = <A extends unknown[], R>(call: (...params: A) => R) =>
    function (this: unknown, ...params: A): R {
      const outermost = !db.inTransaction;
      const result = call.apply(this, params);
      if (outermost) countDbCommit();
      return result;
    };
  db.transaction = ((fn: (...params: unknown[]) => unknown) => {
    const plain = transaction(fn);
    // Each mode is a function of its own (BEGIN IMMEDIATE, …), reachable from any of the others.
    const modes = {
      default: counted(plain.default),
      deferred: counted(plain.deferred),
      immediate: counted(plain.immediate),
      exclusive: counted(plain.exclusive),
    };
    for (const mode of Object.values(modes)) Object.assign(mode, modes, { database: db });
    return modes.default;
  }) as typeof db.transaction;
  db.prepare = ((source: string) => {
    const statement = prepare(source) as Statement;
    // A statement that writes nothing (a SELECT) commits nothing, even outside a transaction.
    if (!statement.readonly) {
      statement.run = counted(statement.run);
      statement.get = counted(statement.get);
      statement.all = counted(statement.all);
    }
    return statement;
  }) as typeof db.prepare;
  // Several statements run outside a transaction commit one by one: counted as one, a lower bound.
  db.exec = counted(exec);
}
