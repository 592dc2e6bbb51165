import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { countCommits } from './count-commits.ts';

export type SqliteDatabase = Database.Database;

/**
 * Opens (creating it and its folder when missing) one service's SQLite file in WAL mode. synchronous=NORMAL:
 * a commit does not wait for the disk; what must be on disk before an answer (a delivery accepted, a study
 * joined) goes through GroupCommit, which flushes the WAL from the thread pool (wal-flush.ts) before it
 * resolves. `schema` is run every time: it must be made of `CREATE … IF NOT EXISTS` statements. Every
 * commit from then on is counted (countCommits).
 */
export function openDatabase(file: string, schema: string): SqliteDatabase {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  // A second process on the same file (npm run reindex beside a running service) waits instead of failing.
  db.pragma('busy_timeout = 5000');
  db.exec(schema);
  countCommits(db);
  return db;
}
