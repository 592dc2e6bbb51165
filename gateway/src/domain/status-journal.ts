import { closeSync, existsSync, fsyncSync, ftruncateSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { fdatasyncFd, FlushRounds, isStudyId, writeAllSync, type Logger } from '@dsv/common';
import type { StudyState, StudyStatus } from './study-status.ts';

/** The journal's name inside the status folder. */
export const JOURNAL_FILE = 'statuses.ndjson';

/** The journal is rewritten (compacted) once it holds this much more than its last rewrite, at least. */
export const DEFAULT_MIN_ROLL_BYTES = 64 << 20;

/** Where an id's latest status is in the journal (its line, without the newline), and its state there. */
interface JournalEntry {
  offset: number;
  length: number;
  state: StudyState;
}

/** One status as a line of the journal, without its newline. */
interface JournalLine {
  id: string;
  line: Buffer;
  state: StudyState;
}

/**
 * Every status the folder holds, parsed: the journal's last line of each id, and files of the layout
 * before the journal (`<id>.json`, one per upload) for ids the journal does not have. For tools and
 * tests; the store itself keeps only the journal's index in memory (StatusJournal).
 */
export function readStatusJournal(dir: string, logger?: Logger): Map<string, StudyStatus> {
  const statuses = new Map<string, StudyStatus>();
  if (!existsSync(dir)) return statuses;
  const journal = new StatusJournal(dir, DEFAULT_MIN_ROLL_BYTES, logger);
  try {
    journal.open((status) => statuses.set(status.id, status), { readOnly: true });
  } finally {
    journal.close();
  }
  return statuses;
}

/** Files of the layout before the journal, one `<id>.json` per upload. */
function readLegacyFiles(dir: string, logger?: Logger): Map<string, JournalLine> {
  const lines = new Map<string, JournalLine>();
  for (const name of readdirSync(dir)) {
    const id = name.replace(/\.json$/, '');
    if (!name.endsWith('.json') || !isStudyId(id)) continue;
    try {
      const status = JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as StudyStatus;
      lines.set(status.id, { id: status.id, line: Buffer.from(JSON.stringify(status)), state: status.state });
    } catch (error) {
      logger?.warn({ studyId: id, err: error }, 'unreadable status file skipped');
    }
  }
  return lines;
}

/** Bytes read or written at a time: the journal is never one string (V8 caps strings at ~512 MB). */
const PIECE_BYTES = 4 << 20;

/** The journal's lines with their offsets, read a piece at a time; `complete` is false for a last line without its newline. */
function* journalLines(fd: number): Generator<{ line: Buffer; offset: number; complete: boolean }> {
  let pending = Buffer.alloc(0);
  let pendingOffset = 0;
  let position = 0;
  for (;;) {
    const chunk = Buffer.allocUnsafe(PIECE_BYTES);
    const read = readSync(fd, chunk, 0, PIECE_BYTES, position);
    if (read === 0) break;
    position += read;
    let data = Buffer.concat([pending, chunk.subarray(0, read)]);
    let offset = pendingOffset;
    let newline = data.indexOf(0x0a);
    while (newline !== -1) {
      yield { line: data.subarray(0, newline), offset, complete: true };
      data = data.subarray(newline + 1);
      offset += newline + 1;
      newline = data.indexOf(0x0a);
    }
    pending = Buffer.from(data);
    pendingOffset = offset;
  }
  if (pending.length > 0) yield { line: pending, offset: pendingOffset, complete: false };
}

/**
 * The statuses on disk as an append-only journal (`<dir>/statuses.ndjson`): a change is one appended
 * line, made durable by an fdatasync shared with every change appended meanwhile (group commit). On this
 * kind of machine creating a file costs far more than appending to one: the journal replaced a temporary
 * file, an fsync, a rename and a folder fsync per change.
 *
 * In memory it keeps only where each id's latest line is (and its state), so a gateway that has taken a
 * million uploads does not hold a million statuses: `read` parses one back when asked. Rewritten whole
 * (compacted, one line per id in id order) at start-up and when it has grown past `minRollBytes` and twice
 * its last rewrite, synchronously, so no append can land in the file being replaced; the rewrite copies
 * each latest line as it is, without parsing it.
 */
export class StatusJournal {
  private fd: number | null = null;
  private size = 0;
  private rewrittenSize = 0;
  private rounds: FlushRounds | null = null;
  private entries = new Map<string, JournalEntry>();
  /** The same ids in ascending order (ULIDs sort by time), for paging without sorting them all. */
  private sorted: string[] = [];

  constructor(
    private readonly dir: string,
    private readonly minRollBytes = DEFAULT_MIN_ROLL_BYTES,
    private readonly logger?: Logger,
  ) {}

  /**
   * Reads what the folder holds, shows each id's latest status to `visit` once, in id order (ids sort by
   * time), then rewrites the journal compacted and opens it for appending (unless `readOnly`).
   */
  open(visit: (status: StudyStatus) => void, { readOnly = false }: { readOnly?: boolean } = {}): void {
    const legacy = readLegacyFiles(this.dir, this.logger);
    const file = path.join(this.dir, JOURNAL_FILE);
    const old = existsSync(file) ? openSync(file, 'r') : null;
    try {
      const found = old === null ? new Map<string, JournalEntry>() : this.scan(old);
      for (const id of found.keys()) legacy.delete(id);
      const ids = [...found.keys(), ...legacy.keys()].sort();
      const lines = function* (): Generator<JournalLine> {
        for (const id of ids) {
          const entry = found.get(id);
          yield entry ? { id, line: readEntry(old!, entry), state: entry.state } : legacy.get(id)!;
        }
      };
      if (readOnly) {
        for (const { line } of lines()) visit(JSON.parse(line.toString('utf8')) as StudyStatus);
        return;
      }
      this.rewrite(lines(), (line) => visit(JSON.parse(line.toString('utf8')) as StudyStatus));
    } finally {
      if (old !== null) closeSync(old);
    }
    // What the rewrite now holds: files of the old layout and temporary files a crash left.
    for (const name of readdirSync(this.dir)) {
      if (name !== JOURNAL_FILE && (name.endsWith('.json') || name.endsWith('.tmp'))) rmSync(path.join(this.dir, name), { force: true });
    }
  }

  /**
   * Appends one status; resolves once it is on disk. The line is in the file (the page cache) when this
   * returns, so `read` finds it at once.
   */
  append(status: StudyStatus): Promise<void> {
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
    if (!this.entries.has(status.id)) this.insertSorted(status.id);
    this.entries.set(status.id, { offset: this.size, length: line.length - 1, state: status.state });
    this.size += line.length;
    if (this.size > Math.max(this.minRollBytes, 2 * this.rewrittenSize)) {
      this.compact();
      return Promise.resolve();
    }
    return this.rounds!.request();
  }

  /** The latest persisted status of `id`, parsed from its line; undefined for an id never appended. */
  read(id: string): StudyStatus | undefined {
    const entry = this.entries.get(id);
    return entry && (JSON.parse(readEntry(this.openFd(), entry).toString('utf8')) as StudyStatus);
  }

  /** The state of `id`'s latest persisted status. */
  stateOf(id: string): StudyState | undefined {
    return this.entries.get(id)?.state;
  }

  /** The ids with a persisted status above `after` (all when undefined), in ascending order. */
  *idsAfter(after: string | undefined): Generator<string> {
    const sorted = this.sorted;
    for (let i = after === undefined ? 0 : positionAbove(sorted, after); i < sorted.length; i++) yield sorted[i]!;
  }

  get count(): number {
    return this.entries.size;
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

  /** Each id's last complete line in an existing journal; damaged lines are skipped with a warning. */
  private scan(fd: number): Map<string, JournalEntry> {
    const found = new Map<string, JournalEntry>();
    let lineNumber = 0;
    for (const { line, offset, complete } of journalLines(fd)) {
      lineNumber += 1;
      if (line.length === 0) continue;
      try {
        const { id, state } = JSON.parse(line.toString('utf8')) as StudyStatus;
        if (typeof id !== 'string' || !isStudyId(id)) throw new Error('not a status');
        found.set(id, { offset, length: line.length, state });
      } catch {
        // The last line without its newline is an append a crash cut short; anything else is damage.
        if (complete) this.logger?.warn({ line: lineNumber }, 'unreadable status journal line skipped');
      }
    }
    return found;
  }

  /**
   * Ids are made when an upload starts and recorded when it is accepted, so a new one lands at most a
   * few places before the end: the search is binary, the move short.
   */
  private insertSorted(id: string): void {
    this.sorted.splice(positionAbove(this.sorted, id), 0, id);
  }

  /** The journal rewritten from its own latest lines. */
  private compact(): void {
    const fd = this.openFd();
    const entries = this.entries;
    const ids = this.sorted;
    this.rewrite(
      (function* (): Generator<JournalLine> {
        for (const id of ids) {
          const entry = entries.get(id)!;
          yield { id, line: readEntry(fd, entry), state: entry.state };
        }
      })(),
    );
  }

  /**
   * A journal of these lines (one status each, without newlines) written anew beside the old one,
   * flushed, then renamed over it and the folder flushed; it is then the one appended to.
   */
  private rewrite(lines: Iterable<JournalLine>, visit?: (line: Buffer) => void): void {
    const target = path.join(this.dir, JOURNAL_FILE);
    const temporary = `${target}.${process.pid}.tmp`;
    // Read as well as appended to: `read` parses statuses back from it.
    const fd = openSync(temporary, 'w+');
    const entries = new Map<string, JournalEntry>();
    const sorted: string[] = [];
    let size = 0;
    try {
      // A piece at a time: the statuses of a large archive would not fit in one buffer.
      let piece: Buffer[] = [];
      let pieceLength = 0;
      const flush = (): void => {
        writeAllSync(fd, Buffer.concat(piece, pieceLength));
        piece = [];
        pieceLength = 0;
      };
      const newline = Buffer.from('\n');
      for (const { id, line, state } of lines) {
        visit?.(line);
        entries.set(id, { offset: size, length: line.length, state });
        sorted.push(id);
        piece.push(line, newline);
        pieceLength += line.length + 1;
        size += line.length + 1;
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
    this.entries = entries;
    this.sorted = sorted;
    this.rounds = new FlushRounds(() => fdatasyncFd(fd));
    if (previous !== null) void (previousRounds?.settled() ?? Promise.resolve()).then(() => closeSync(previous));
  }
}

/** The first position in ascending `sorted` whose id is above `id`. */
function positionAbove(sorted: readonly string[], id: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]! <= id) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** One entry's line, read from the journal at its offset. */
function readEntry(fd: number, { offset, length }: { offset: number; length: number }): Buffer {
  const line = Buffer.allocUnsafe(length);
  let read = 0;
  while (read < length) {
    const n = readSync(fd, line, read, length - read, offset + read);
    if (n === 0) throw new Error('the status journal ends before a line it indexed');
    read += n;
  }
  return line;
}
