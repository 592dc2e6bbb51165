import { close, fsync, open, write } from 'node:fs';

/*
 * Callback fs with a bare descriptor, one promise per file: a FileHandle per call (open, write, sync,
 * close, each its own promise) cost a study several times the system calls' own time.
 */

function run<T>(call: (done: (error: NodeJS.ErrnoException | null, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => call((error, value) => (error ? reject(error) : resolve(value))));
}

/** Opens `target` with `flags`, lets `use` work on the descriptor, fsyncs it, and closes it whatever happens. */
async function withSyncedFd(target: string, flags: string, use: (fd: number) => Promise<void>): Promise<void> {
  const fd = await run<number>((done) => open(target, flags, done));
  try {
    await use(fd);
    await run<void>((done) => fsync(fd, (error) => done(error, undefined)));
  } finally {
    await run<void>((done) => close(fd, (error) => done(error, undefined)));
  }
}

/** A new file (never an existing one), its data on disk before this resolves. */
export function writeDurable(target: string, data: string | Uint8Array): Promise<void> {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  return withSyncedFd(target, 'wx', async (fd) => {
    let offset = 0;
    while (offset < bytes.length) {
      offset += await run<number>((done) => write(fd, bytes, offset, bytes.length - offset, offset, done));
    }
  });
}

/** fsync(2) on a folder makes the entries created or renamed in it durable. */
export function syncDirectory(dir: string): Promise<void> {
  return withSyncedFd(dir, 'r', async () => undefined);
}
