import { closeSync, existsSync, fsyncSync, ftruncateSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
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

/**
 * The journal's lines with their offsets, read a piece at a time into one buffer; `complete` is false for
 * a last line without its newline. A line is a view into that buffer: use it before asking for the next.
 * (A fresh buffer per piece cost more than the reading: on this kind of machine every page of newly
 * allocated memory is a costly fault, ~1.3 s for a journal of 230 MB.)
 */
function* journalLines(fd: number): Generator<{ line: Buffer; offset: number; complete: boolean }> {
  let buffer = Buffer.allocUnsafe(PIECE_BYTES);
  /** Bytes at the start of `buffer` not yet yielded (a line cut by the end of a piece), and their offset. */
  let held = 0;
  let heldOffset = 0;
  let position = 0;
  for (;;) {
    // A line longer than the buffer: a larger one (a status names each file of its upload).
    if (held === buffer.length) buffer = Buffer.concat([buffer, Buffer.allocUnsafe(buffer.length)]);
    const read = readSync(fd, buffer, held, buffer.length - held, position);
    if (read === 0) break;
    position += read;
    const filled = held + read;
    const data = buffer.subarray(0, filled);
    let start = 0;
    let newline = data.indexOf(0x0a, start);
    while (newline !== -1) {
      yield { line: data.subarray(start, newline), offset: heldOffset + start, complete: true };
      start = newline + 1;
      newline = data.indexOf(0x0a, start);
    }
    buffer.copyWithin(0, start, filled);
    heldOffset += start;
    held = filled - start;
  }
  if (held > 0) yield { line: buffer.subarray(0, held), offset: heldOffset, complete: false };
}

/**
 * The statuses on disk as an append-only journal (`<dir>/statuses.ndjson`): a change is one appended
 * line, made durable by an fdatasync shared with every change appended meanwhile (group commit). On this
 * kind of machine creating a file costs far more than appending to one: the journal replaced a temporary
 * file, an fsync, a rename and a folder fsync per change.
 *
 * In memory it keeps only where each id's latest line is (and its state), so a gateway that has taken a
 * million uploads does not hold a million statuses: `read` parses one back when asked. Rewritten whole
 * (compacted, one line per id) once it has grown past `minRollBytes` and twice its latest lines: found so
 * at start-up, before anything is served; while running, beside the appends, a slice at a time
 * (compactInSlices), because a history of 100,000 statuses (~250 MB) held the event loop for 1.3 s when
 * it was copied in one go. Either copies each latest line as it is, without parsing it.
 */
export class StatusJournal {
  private fd: number | null = null;
  private size = 0;
  private rewrittenSize = 0;
  private rounds: FlushRounds | null = null;
  private entries = new Map<string, JournalEntry>();
  /** The same ids in ascending order (ULIDs sort by time), for paging without sorting them all. */
  private sorted: string[] = [];
  /** The compaction under way, if any, and the ids appended since it began (their lines are in its tail). */
  private compaction: { done: Promise<void>; appended: Set<string> } | null = null;

  constructor(
    private readonly dir: string,
    private readonly minRollBytes = DEFAULT_MIN_ROLL_BYTES,
    private readonly logger?: Logger,
  ) {}

  /**
   * Reads what the folder holds, shows each id's latest status to `visit` once, in id order (ids sort by
   * time), and opens the journal for appending (unless `readOnly`). The journal is rewritten compacted
   * first only when it would be in the running service: more than half of it superseded lines (and past
   * `minRollBytes`), or files of the layout before it to take in. Otherwise it is appended to as it is,
   * cut after its last complete line: a restart of a gateway with a long history does not write and flush
   * the whole of it again (100,000 statuses, ~230 MB, opened in 3.6–3.9 s instead of 4.1–4.6 s here).
   */
  open(visit: (status: StudyStatus) => void, { readOnly = false }: { readOnly?: boolean } = {}): void {
    const legacy = readLegacyFiles(this.dir, this.logger);
    const file = path.join(this.dir, JOURNAL_FILE);
    const old = existsSync(file) ? openSync(file, readOnly ? 'r' : 'r+') : null;
    let kept = false;
    try {
      const { found, end, live } = old === null ? { found: new Map<string, JournalEntry>(), end: 0, live: 0 } : this.scan(old);
      for (const id of found.keys()) legacy.delete(id);
      const ids = [...found.keys(), ...legacy.keys()].sort();
      const lines = function* (): Generator<JournalLine> {
        for (const id of ids) {
          const entry = found.get(id);
          yield entry ? { id, line: readEntry(old!, entry), state: entry.state } : legacy.get(id)!;
        }
      };
      if (readOnly) {
        for (const { line } of lines()) visit(parseStatus(line));
        return;
      }
      if (old !== null && legacy.size === 0 && !this.outgrown(end, live)) {
        for (const { line } of lines()) visit(parseStatus(line));
        // A cut-short append is dropped here; the next append lands where it began.
        ftruncateSync(old, end);
        this.fd = old;
        this.size = end;
        this.rewrittenSize = live;
        this.entries = found;
        this.sorted = ids;
        this.rounds = new FlushRounds(() => fdatasyncFd(old));
        kept = true;
      } else {
        this.rewrite(lines(), (line) => visit(parseStatus(line)));
      }
    } finally {
      if (old !== null && !kept) closeSync(old);
    }
    // Files of the old layout, now in the journal, and temporary files a crash left.
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
    this.compaction?.appended.add(status.id);
    if (this.compaction === null && this.outgrown(this.size, this.rewrittenSize)) this.startCompaction();
    return this.rounds!.request();
  }

  /**
   * Whether a journal of `size` bytes whose latest lines take `latest` is worth rewriting: past
   * `minRollBytes` and more than half superseded lines. The same rule at start-up and while appending.
   */
  private outgrown(size: number, latest: number): boolean {
    return size > Math.max(this.minRollBytes, 2 * latest);
  }

  /** Resolves once no compaction is under way (tests; a compaction cut short by `close` ends too). */
  compacted(): Promise<void> {
    return this.compaction?.done ?? Promise.resolve();
  }

  /** The latest persisted status of `id`, parsed from its line; undefined for an id never appended. */
  read(id: string): StudyStatus | undefined {
    const entry = this.entries.get(id);
    return entry && parseStatus(readEntry(this.openFd(), entry));
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

  /**
   * Each id's last complete line in an existing journal; damaged lines are skipped with a warning. `end`
   * is where the last complete line ends, and `live` the bytes of the lines found (with their newlines).
   */
  private scan(fd: number): { found: Map<string, JournalEntry>; end: number; live: number } {
    const found = new Map<string, JournalEntry>();
    let lineNumber = 0;
    let end = 0;
    for (const { line, offset, complete } of journalLines(fd)) {
      lineNumber += 1;
      // The last line without its newline is an append a crash cut short: never acknowledged, dropped.
      if (!complete) break;
      end = offset + line.length + 1;
      if (line.length === 0) continue;
      try {
        const { id, state } = parseStatus(line);
        if (typeof id !== 'string' || !isStudyId(id)) throw new Error('not a status');
        found.set(id, { offset, length: line.length, state });
      } catch {
        this.logger?.warn({ line: lineNumber }, 'unreadable status journal line skipped');
      }
    }
    let live = 0;
    for (const { length } of found.values()) live += length + 1;
    return { found, end, live };
  }

  /**
   * Ids are made when an upload starts and recorded when it is accepted, so a new one lands at most a
   * few places before the end: the search is binary, the move short.
   */
  private insertSorted(id: string): void {
    this.sorted.splice(positionAbove(this.sorted, id), 0, id);
  }

  private startCompaction(): void {
    const appended = new Set<string>();
    const done = this.compactInSlices(appended).then(
      () => undefined,
      (error: unknown) => {
        // Appends go on into the file as it is; the next try waits until it has doubled again.
        this.rewrittenSize = this.size;
        this.logger?.error({ err: error }, 'status journal not compacted: it is tried again once the journal has doubled');
      },
    );
    this.compaction = { done: done.finally(() => (this.compaction = null)), appended };
  }

  /**
   * The journal rewritten from its own latest lines while appends go on. The lines that were latest when
   * it began are copied a slice at a time, the event loop free between slices, and flushed in the thread
   * pool. Then, in one synchronous step so that no append can come between, the lines appended meanwhile
   * (the tail) are copied after them, the copy is flushed (only the tail is left to write) and renamed
   * over the journal. An id appended meanwhile has its latest line in the tail, whether its older line was
   * copied or skipped. Ends without a change when the journal is closed meanwhile.
   */
  private async compactInSlices(appended: ReadonlySet<string>): Promise<void> {
    const old = this.openFd();
    const start = this.size;
    const ids = this.sorted.slice();
    const copy = new JournalCopy(path.join(this.dir, JOURNAL_FILE));
    try {
      for (const id of ids) {
        const entry = this.entries.get(id)!;
        if (entry.offset >= start) continue;
        if (copy.add(id, readEntry(old, entry), entry.state)) {
          await yieldToLoop();
          if (this.fd !== old) return copy.abandon();
        }
      }
      copy.flushPiece();
      await fdatasyncFd(copy.fd);
      if (this.fd !== old) return copy.abandon();
      const tailAt = copy.size;
      copy.appendRaw(readRange(old, start, this.size));
      for (const id of appended) {
        const entry = this.entries.get(id)!;
        copy.entries.set(id, { ...entry, offset: tailAt + entry.offset - start });
      }
      copy.commit();
    } catch (error) {
      copy.abandon();
      throw error;
    }
    this.switchTo(copy, this.sorted);
  }

  /**
   * A journal of these lines (one status each, without newlines) written anew beside the old one,
   * flushed, then renamed over it and the folder flushed; it is then the one appended to.
   */
  private rewrite(lines: Iterable<JournalLine>, visit?: (line: Buffer) => void): void {
    const copy = new JournalCopy(path.join(this.dir, JOURNAL_FILE));
    const sorted: string[] = [];
    try {
      for (const { id, line, state } of lines) {
        visit?.(line);
        copy.add(id, line, state);
        sorted.push(id);
      }
      copy.flushPiece();
      copy.commit();
    } catch (error) {
      copy.abandon();
      throw error;
    }
    this.switchTo(copy, sorted);
  }

  /**
   * Appends go to the committed copy from now, then the folder is flushed (the rename durable); a failure
   * of that flush leaves the appends going to the journal all the same. A flush still running on the old
   * descriptor ends on its own.
   */
  private switchTo(copy: JournalCopy, sorted: string[]): void {
    const previous = this.fd;
    const previousRounds = this.rounds;
    const { fd } = copy;
    this.fd = fd;
    this.size = copy.size;
    this.rewrittenSize = copy.size;
    this.entries = copy.entries;
    this.sorted = sorted;
    this.rounds = new FlushRounds(() => fdatasyncFd(fd));
    if (previous !== null) void (previousRounds?.settled() ?? Promise.resolve()).then(() => closeSync(previous));
    syncFolder(this.dir);
  }
}

/**
 * A new journal written beside the old one (`<journal>.<pid>.tmp`), a piece at a time (the statuses of a
 * large archive would not fit in one buffer), then flushed and renamed over it, and the folder flushed.
 */
class JournalCopy {
  /** Read as well as appended to once it is the journal: `read` parses statuses back from it. */
  readonly fd: number;
  readonly entries = new Map<string, JournalEntry>();
  size = 0;
  private readonly temporary: string;
  private piece: Buffer[] = [];
  private pieceLength = 0;

  constructor(private readonly target: string) {
    this.temporary = `${target}.${process.pid}.tmp`;
    this.fd = openSync(this.temporary, 'w+');
  }

  /** One line; answers true when it completed a piece (written out). */
  add(id: string, line: Buffer, state: StudyState): boolean {
    this.entries.set(id, { offset: this.size, length: line.length, state });
    this.piece.push(line, NEWLINE);
    this.pieceLength += line.length + 1;
    this.size += line.length + 1;
    if (this.pieceLength < PIECE_BYTES) return false;
    this.flushPiece();
    return true;
  }

  flushPiece(): void {
    if (this.pieceLength === 0) return;
    writeAllSync(this.fd, Buffer.concat(this.piece, this.pieceLength));
    this.piece = [];
    this.pieceLength = 0;
  }

  /** Bytes that are already whole lines (a tail copied from the old journal), after what was added. */
  appendRaw(bytes: Buffer): void {
    writeAllSync(this.fd, bytes);
    this.size += bytes.length;
  }

  /**
   * Flushed and renamed over the journal: from then on the copy is the journal, so the caller switches to
   * it before flushing the folder (switchTo), whose failure must not leave appends going to the old file.
   */
  commit(): void {
    fsyncSync(this.fd);
    renameSync(this.temporary, this.target);
  }

  abandon(): void {
    closeSync(this.fd);
    rmSync(this.temporary, { force: true });
  }
}

const NEWLINE = Buffer.from('\n');

/** The folder flushed: a rename in it is durable once this returns. */
function syncFolder(dir: string): void {
  const folder = openSync(dir, 'r');
  try {
    fsyncSync(folder);
  } finally {
    closeSync(folder);
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

function parseStatus(line: Buffer): StudyStatus {
  return JSON.parse(line.toString('utf8')) as StudyStatus;
}

/** The bytes of the journal from `start` to `end`. */
function readRange(fd: number, start: number, end: number): Buffer {
  return readEntry(fd, { offset: start, length: end - start });
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
