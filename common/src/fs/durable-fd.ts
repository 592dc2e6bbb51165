import { closeSync, fsync, openSync, writeSync } from 'node:fs';

/*
 * Small file-system calls made synchronously, fsync(2) asynchronously. Each call of the promise or
 * callback API is a round trip through libuv's thread pool, and on the machines measured (2-core VMs)
 * that round trip cost ~80 µs of the event loop's CPU, against ~10 µs for the synchronous call itself:
 * a stored study makes dozens of them. open, write into the page cache, close and rename do not wait for
 * the disk; fsync does, and stays off the event loop.
 */

/** fsync(2) in the thread pool: the one call here that waits for the disk. */
export function fsyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve())));
}

/** Writes all of `bytes` at the descriptor's position (page cache only: no wait for the disk). */
export function writeAllSync(fd: number, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
}

/**
 * Opens `target` with `flags`, lets `use` work on the descriptor synchronously, fsyncs it, and closes it
 * whatever happens: its data (or, for a folder, its entries) is on disk when this resolves.
 */
export async function withSyncedFd(target: string, flags: string, use: (fd: number) => void = () => undefined): Promise<void> {
  const fd = openSync(target, flags);
  try {
    use(fd);
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
}

/** A new file (never an existing one: 'wx'), its data on disk before this resolves. */
export function writeDurable(target: string, data: string | Uint8Array): Promise<void> {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  return withSyncedFd(target, 'wx', (fd) => writeAllSync(fd, bytes));
}

interface FolderSync {
  current: Promise<void>;
  /** The round that starts when `current` ends, shared by every caller that asked meanwhile. */
  queued: Promise<void> | null;
}

const folderSyncs = new Map<string, FolderSync>();
const ignore = (): void => undefined;

/**
 * fsync(2) on a folder makes the entries created or renamed in it durable. Concurrent calls for one folder
 * share rounds (group commit): a caller arriving while a round runs — which may have begun before its
 * change — gets the next round, one for all who arrive meanwhile. Eight uploads at once flush the staging
 * folder about twice instead of eight times.
 */
export function syncDirectory(dir: string): Promise<void> {
  const state = folderSyncs.get(dir);
  if (state) {
    state.queued ??= state.current.then(ignore, ignore).then(() => startRound(dir, state));
    return state.queued;
  }
  const fresh: FolderSync = { current: Promise.resolve(), queued: null };
  folderSyncs.set(dir, fresh);
  return startRound(dir, fresh);
}

function startRound(dir: string, state: FolderSync): Promise<void> {
  state.queued = null;
  const round = withSyncedFd(dir, 'r');
  state.current = round;
  round.then(ignore, ignore).then(() => {
    if (state.current === round && state.queued === null) folderSyncs.delete(dir);
  });
  return round;
}
