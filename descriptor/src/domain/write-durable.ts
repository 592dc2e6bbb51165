import { withSyncedFd, writeAllSync } from '@dsv/common';

/** A new file (never an existing one), its data on disk before this resolves. */
export function writeDurable(target: string, data: string | Uint8Array): Promise<void> {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  return withSyncedFd(target, 'wx', (fd) => writeAllSync(fd, bytes));
}

/** fsync(2) on a folder makes the entries created or renamed in it durable. */
export function syncDirectory(dir: string): Promise<void> {
  return withSyncedFd(dir, 'r');
}
