import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { RunningFloor } from '../../bench/floor.ts';

/** What the bench's floor holds: files per study folder, its catalogue's rows, and what is still staged. */
export function floorHoldings(floor: RunningFloor): { folders: number[]; instances: number; studies: number; staged: string[] } {
  const studiesDir = path.join(floor.dir, 'descriptor', 'studies');
  const folders = readdirSync(studiesDir).map((study) => readdirSync(path.join(studiesDir, study)).length);
  const db = new Database(path.join(floor.dir, 'descriptor', 'catalogue.db'), { readonly: true });
  try {
    const counts = db.prepare('SELECT COUNT(*) AS instances, COUNT(DISTINCT study) AS studies FROM instances').get() as {
      instances: number;
      studies: number;
    };
    const staged = ['gateway', 'dimse']
      .map((role) => path.join(floor.dir, role, 'staging'))
      .filter((dir) => existsSync(dir))
      .flatMap((dir) => readdirSync(dir));
    return { folders, ...counts, staged };
  } finally {
    db.close();
  }
}
