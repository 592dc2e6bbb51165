import { withSyncedFd, writeAllSync } from '@dsv/common';

export { syncDirectory } from '@dsv/common';

/** A new file (never an existing one), its data on disk before this resolves. */
export function writeDurable(target: string, data: string | Uint8Array): Promise<void> {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  return withSyncedFd(target, 'wx', (fd) => writeAllSync(fd, bytes));
}
