import { closeSync, existsSync, fsyncSync, ftruncateSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { fdatasyncFd, FlushRounds, isStudyId, writeAllSync, type Logger } from '@dsv/common';
import type { StudyStatus } from './study-status.ts';

/** The journal's name inside the status folder. */
export const JOURNAL_FILE = 'statuses.ndjson';

/** The journal is rewritten (compacted) once it holds this much more than its last rewrite, at least. */
export const DEFAULT_MIN_ROLL_BYTES = 64 << 20;

/**
 * The statuses as the journal holds them: one compact JSON status per line, the last line of an id wins.
 * A line cut short by a crash is the last one and was never acknowledged: it is skipped. Files of the
 * layout before the journal (`<id>.json`, one per upload) are read first, so an upgrade loses nothing.
 */
export function readStatusJournal(dir: string, logger?: Logger): Map<string, StudyStatus> {
  const statuses = new Map<string, StudyStatus>();
  if (!existsSync(dir)) return statuses;
  for (const name of readdirSync(dir)) {
    const id = name.replace(/\.json$/, '');
    if (!name.endsWith('.json') || !isStudyId(id)) continue;
    try {
      const status = JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as StudyStatus;
      statuses.set(status.id, status);
    } catch (error) {
      logger?.warn({ studyId: id, err: error }, 'unreadable status file skipped');
    }
  }
  const file = path.join(dir, JOURNAL_FILE);
  if (!existsSync(file)) return statuses;
  let lineNumber = 0;
  for (const { line, complete } of journalLines(file)) {
    lineNumber += 1;
    if (line.length === 0) continue;
    try {
      const status = JSON.parse(line.toString('utf8')) as StudyStatus;
      statuses.set(status.id, status);
    } catch {
      // The last line without its newline is an append a crash cut short; anything else is damage.
      if (complete) logger?.warn({ line: lineNumber }, 'unreadable status journal line skipped');
    }
  }
  return statuses;
}

/** Bytes read or written at a time: the journal is never one string (V8 caps strings at ~512 MB). */
const PIECE_BYTES = 4 << 20;

/** The journal's lines, read a piece at a time; `complete` is false for a last line without its newline. */
function* journalLines(file: string): Generator<{ line: Buffer; complete: boolean }> {
  const fd = openSync(file, 'r');
  try {
    let pending = Buffer.alloc(0);
    for (;;) {
      const chunk = Buffer.allocUnsafe(PIECE_BYTES);
      const read = readSync(fd, chunk, 0, PIECE_BYTES, null);
      if (read === 0) break;
      let data = Buffer.concat([pending, chunk.subarray(0, read)]);
      let newline = data.indexOf(0x0a);
      while (newline !== -1) {
        yield { line: data.subarray(0, newline), complete: true };
        data = data.subarray(newline + 1);
        newline = data.indexOf(0x0a);
      }
      pending = Buffer.from(data);
    }
    if (pending.length > 0) yield { line: pending, complete: false };
  } finally {
    closeSync(fd);
  }
}

/**
 * The statuses on disk as an append-only journal (`<dir>/statuses.ndjson`): a change is one appended
 * line, made durable by an fdatasync shared with every change appended meanwhile (group commit). On this
 * kind of machine creating a file costs far more than appending to one: the journal replaced a temporary
 * file, an fsync, a rename and a folder fsync per change. Rewritten whole (compacted) at start-up and
 * when it has grown past `minRollBytes` and twice its last rewrite, synchronously, so no append can land
 * in the file being replaced.
 */
export class StatusJournal {
  private fd: number | null = null;
  private size = 0;
  private rewrittenSize = 0;
  private rounds: FlushRounds | null = null;

  constructor(
    private readonly dir: string,
    private readonly minRollBytes = DEFAULT_MIN_ROLL_BYTES,
  ) {}

  /** Rewrites the journal with these statuses (one line each) and opens it for appending. */
  open(statuses: Iterable<StudyStatus>): void {
    this.rewrite(statuses);
    // What the rewrite now holds: files of the old layout and temporary files a crash left.
    for (const name of readdirSync(this.dir)) {
      if (name !== JOURNAL_FILE && (name.endsWith('.json') || name.endsWith('.tmp'))) rmSync(path.join(this.dir, name), { force: true });
    }
  }

  /**
   * Appends one status; resolves once it is on disk. `all` gives every current status when the journal
   * is due for a rewrite, which then holds this one too.
   */
  append(status: StudyStatus, all: () => Iterable<StudyStatus>): Promise<void> {
    const fd = this.openFd();
    const line = Buffer.from(`${JSON.stringify(status)}\n`);
    try {
      let written = 0;
      while (written < line.length) written += writeSync(fd, line, written, line.length - written, this.size + written);
    } catch (error) {
      // A part of the line (disk full) would glue itself to the next append: cut it off.
      ftruncateSync(fd, this.size);
      throw error;
    }
    this.size += line.length;
    if (this.size > Math.max(this.minRollBytes, 2 * this.rewrittenSize)) {
      this.rewrite(all());
      return Promise.resolve();
    }
    return this.rounds!.request();
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    this.rounds = null;
  }

  private openFd(): number {
    if (this.fd === null) throw new Error('the status journal is not open');
    return this.fd;
  }

  /** The whole journal written anew beside the old one, flushed, then renamed over it and the folder flushed. */
  private rewrite(statuses: Iterable<StudyStatus>): void {
    const target = path.join(this.dir, JOURNAL_FILE);
    const temporary = `${target}.${process.pid}.tmp`;
    const fd = openSync(temporary, 'w');
    let size = 0;
    try {
      // A piece at a time: the statuses of a large archive would not fit in one string.
      let piece: string[] = [];
      let pieceLength = 0;
      const flush = (): void => {
        const bytes = Buffer.from(piece.join(''));
        writeAllSync(fd, bytes);
        size += bytes.length;
        piece = [];
        pieceLength = 0;
      };
      for (const status of statuses) {
        const line = `${JSON.stringify(status)}\n`;
        piece.push(line);
        pieceLength += line.length;
        if (pieceLength >= PIECE_BYTES) flush();
      }
      flush();
      fsyncSync(fd);
      renameSync(temporary, target);
    } catch (error) {
      closeSync(fd);
      rmSync(temporary, { force: true });
      throw error;
    }
    const folder = openSync(this.dir, 'r');
    try {
      fsyncSync(folder);
    } finally {
      closeSync(folder);
    }
    // A flush still running on the old descriptor ends on its own; appends go to the new file from now.
    const previous = this.fd;
    const previousRounds = this.rounds;
    this.fd = fd;
    this.size = size;
    this.rewrittenSize = size;
    this.rounds = new FlushRounds(() => fdatasyncFd(fd));
    if (previous !== null) void (previousRounds?.settled() ?? Promise.resolve()).then(() => closeSync(previous));
  }
}
