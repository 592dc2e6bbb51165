import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { countCommits } from './count-commits.ts';

export type SqliteDatabase = Database.Database;

/**
 * Opens (creating it and its folder when missing) one service's SQLite file in WAL mode. synchronous=FULL:
 * a commit is on disk when it returns, because an answer given after a commit promises the delivery is
 * kept (https://www.sqlite.org/pragma.html#pragma_synchronous). `schema` is run every time: it must be
 * made of `CREATE … IF NOT EXISTS` statements. Every commit from then on is counted (countCommits).
 */
export function openDatabase(file: string, schema: string): SqliteDatabase {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  // A second process on the same file (npm run reindex beside a running service) waits instead of failing.
  db.pragma('busy_timeout = 5000');
  db.exec(schema);
  countCommits(db);
  return db;
}
