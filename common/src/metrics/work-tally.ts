/**
 * The work this process has done since it started: flushes, SQLite commits, log lines. Each is counted at
 * the one place it happens (the fsync helpers, the database wrapper, the logger) and read by every
 * registry's collect at a scrape. Process-wide, unlike the registries: the helpers that flush or commit
 * have no app to hand, and a flush is the process's work whichever app asked for it.
 */

export type FsyncKind = 'file' | 'directory';

export interface WorkTally {
  fsync: Record<FsyncKind, number>;
  dbCommits: number;
  /** By pino level label; a level never logged is absent. */
  logLines: Record<string, number>;
}

const tally: WorkTally = { fsync: { file: 0, directory: 0 }, dbCommits: 0, logLines: {} };

/** One fsync(2) or fdatasync(2) asked of the disk. */
export function countFsync(kind: FsyncKind): void {
  tally.fsync[kind] += 1;
}

/** One SQLite transaction committed (not a savepoint released inside one). */
export function countDbCommit(): void {
  tally.dbCommits += 1;
}

export function countLogLine(level: string): void {
  tally.logLines[level] = (tally.logLines[level] ?? 0) + 1;
}

/** A copy: callers compare two readings. */
export function readWorkTally(): WorkTally {
  return { fsync: { ...tally.fsync }, dbCommits: tally.dbCommits, logLines: { ...tally.logLines } };
}
