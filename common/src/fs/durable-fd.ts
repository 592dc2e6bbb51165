import { closeSync, fdatasync, fsync, openSync, writeSync, writev } from 'node:fs';
import { countFsync, type FsyncKind } from '../metrics/work-tally.ts';

/*
 * Small file-system calls made synchronously, fsync(2) asynchronously. Each call of the promise or
 * callback API is a round trip through libuv's thread pool, which costs the event loop several times what
 * the synchronous call itself does, and a stored study makes dozens of them. open, write into the page cache, close and rename do not wait for
 * the disk; fsync does, and stays off the event loop.
 *
 * Every flush of the services goes through flushFd, which counts it (dsv_fsync_total{kind}).
 */

/** fsync(2) or fdatasync(2) in the thread pool, counted as a flush of `kind`. */
function flushFd(flush: typeof fsync, fd: number, kind: FsyncKind): Promise<void> {
  countFsync(kind);
  return new Promise((resolve, reject) => flush(fd, (error) => (error ? reject(error) : resolve())));
}

/** fsync(2) of a file in the thread pool: the one call here that waits for the disk. */
export function fsyncFd(fd: number): Promise<void> {
  return flushFd(fsync, fd, 'file');
}

/** fdatasync(2) in the thread pool: the data and the size of an appended file, not its timestamps. */
export function fdatasyncFd(fd: number): Promise<void> {
  return flushFd(fdatasync, fd, 'file');
}

/** Writes all of `bytes` at the descriptor's position (page cache only: no wait for the disk). */
export function writeAllSync(fd: number, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
}

/**
 * Opens the file `target` with `flags`, lets `use` work on the descriptor, fsyncs it, and closes it
 * whatever happens: its data is on disk when this resolves.
 */
export function withSyncedFd(target: string, flags: string, use: (fd: number) => void | Promise<void> = () => undefined): Promise<void> {
  return withFlushedFd(target, flags, 'file', use);
}

async function withFlushedFd(target: string, flags: string, kind: FsyncKind, use: (fd: number) => void | Promise<void>): Promise<void> {
  const fd = openSync(target, flags);
  try {
    await use(fd);
    await flushFd(fsync, fd, kind);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `data` into a new file (never an existing one: 'wx'), its data on disk before this resolves.
 * `data` may come in parts (a large document built as it is written): each part is encoded and written
 * before the next is asked for, so the whole never has to be in memory at once.
 */
export function writeDurable(target: string, data: DurableData): Promise<void> {
  return withSyncedFd(target, 'wx', (fd) => {
    if (typeof data === 'string') writeAllSync(fd, Buffer.from(data));
    else if (data instanceof Uint8Array) writeAllSync(fd, data);
    else for (const part of data) writeAllSync(fd, Buffer.from(part));
  });
}

/** A file's content: whole, or text in parts (see writeDurable). */
export type DurableData = string | Uint8Array | Iterable<string>;

/** A large file is written in batches of this size, each in the thread pool while the next one arrives. */
const BATCH_BYTES = 256 << 10;

/** writev(2) of all of `chunks` at the descriptor's position, in the thread pool. */
async function writevAll(fd: number, chunks: Buffer[]): Promise<void> {
  let left = chunks;
  while (left.length > 0) {
    const written = await new Promise<number>((resolve, reject) =>
      writev(fd, left, (error, bytes) => (error ? reject(error) : resolve(bytes))),
    );
    // A short write (signals, huge batches): what is left of the batch goes again.
    let skip = written;
    while (left.length > 0 && skip >= left[0]!.length) skip -= left.shift()!.length;
    if (skip > 0) left = [left[0]!.subarray(skip), ...left.slice(1)];
  }
}

/**
 * Streams `source` into a new file (never an existing one: 'wx'), handing each chunk to `take` first (to
 * hash it, count it, read its header, or refuse it by throwing, which ends the file and the source); the
 * file's data is on disk when this resolves.
 *
 * Chunks are gathered into batches of 256 KiB. A file smaller than a batch is written synchronously into
 * the page cache at its end: a thread-pool round trip (a futex wake and an eventfd on this kind of VM)
 * costs the event loop more than copying a small file. A larger file's batches are written in the thread
 * pool, one at a time, while the event loop parses and hashes the next: the copy into the page cache is
 * the largest part of receiving a large file here, and the other core takes it.
 */
export function writeStreamDurable(source: AsyncIterable<unknown>, target: string, take: (chunk: Buffer) => void): Promise<void> {
  return withSyncedFd(target, 'wx', async (fd) => {
    let batch: Buffer[] = [];
    let batched = 0;
    // Asserted, not annotated: TypeScript would narrow it to null here, not seeing writeBatch assign it.
    let writing = null as Promise<void> | null;
    const writeBatch = async (): Promise<void> => {
      const chunks = batch;
      batch = [];
      batched = 0;
      if (writing) await writing;
      writing = writevAll(fd, chunks);
      // Awaited later, before the next batch or the end; a failure meanwhile must not count as unhandled.
      writing.catch(() => undefined);
    };
    try {
      for await (const chunk of source) {
        take(chunk as Buffer);
        batch.push(chunk as Buffer);
        batched += (chunk as Buffer).length;
        if (batched >= BATCH_BYTES) await writeBatch();
      }
      if (writing) await writeBatch();
      else for (const chunk of batch) writeAllSync(fd, chunk);
    } finally {
      // The descriptor is closed after this: no write may still be under way on it, failed or not.
      if (writing) await writing.catch(() => undefined);
    }
    if (writing) await writing;
  });
}

const ignore = (): void => undefined;

/**
 * Group commit of one flush: a caller asking while a flush runs — which may have begun before its change
 * reached the page cache — gets the next flush, one shared by every caller that asks meanwhile. Eight
 * uploads at once flush the staging folder (or the status journal) about twice instead of eight times.
 */
export class FlushRounds {
  private current: Promise<void> | null = null;
  private queued: Promise<void> | null = null;

  constructor(private readonly flush: () => Promise<void>) {}

  /** Resolves once a flush that started after this call has ended. */
  request(): Promise<void> {
    if (this.current === null) return this.start();
    this.queued ??= this.current.then(ignore, ignore).then(() => this.start());
    return this.queued;
  }

  /** Resolves once the flushes running or waiting now have ended, starting none. */
  settled(): Promise<void> {
    return (this.queued ?? this.current ?? Promise.resolve()).then(ignore, ignore);
  }

  /** No flush running or waiting. */
  get idle(): boolean {
    return this.current === null && this.queued === null;
  }

  private start(): Promise<void> {
    this.queued = null;
    const round = this.flush();
    this.current = round;
    void round.then(ignore, ignore).then(() => {
      if (this.current === round) this.current = null;
    });
    return round;
  }
}

const folderRounds = new Map<string, FlushRounds>();

/**
 * fsync(2) on a folder makes the entries created or renamed in it durable. Concurrent calls for one folder
 * share rounds (FlushRounds); the map keeps only folders with a round running or waiting.
 */
export function syncDirectory(dir: string): Promise<void> {
  let rounds = folderRounds.get(dir);
  if (!rounds) {
    rounds = new FlushRounds(() => withFlushedFd(dir, 'r', 'directory', () => undefined));
    folderRounds.set(dir, rounds);
  }
  const owner = rounds;
  const round = owner.request();
  void round.then(ignore, ignore).then(() => {
    if (owner.idle && folderRounds.get(dir) === owner) folderRounds.delete(dir);
  });
  return round;
}
