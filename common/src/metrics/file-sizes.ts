import { lstat, opendir, stat } from 'node:fs/promises';
import path from 'node:path';

/** An SQLite database's bytes on disk: the file and its write-ahead log (absent files count 0). */
export async function databaseBytes(file: string): Promise<number> {
  const sizes = await Promise.all(
    [file, `${file}-wal`].map((f) =>
      stat(f).then(
        (s) => s.size,
        () => 0,
      ),
    ),
  );
  return sizes[0]! + sizes[1]!;
}

export interface FolderBytes {
  bytes: number;
  /** False when the walk stopped at maxEntries: `bytes` is then a lower bound. */
  complete: boolean;
}

/**
 * The bytes of the files under `dir`, reading at most `maxEntries` directory entries: a scrape must not
 * walk a huge tree. Meant for folders that are small when all is well (the gateway's staging).
 */
export async function folderBytes(dir: string, maxEntries = 20_000): Promise<FolderBytes> {
  let bytes = 0;
  let seen = 0;
  const pending = [dir];
  while (pending.length > 0) {
    const current = pending.pop()!;
    let entries;
    try {
      entries = await opendir(current);
    } catch {
      continue; // gone meanwhile (a delivery finished), or never made yet
    }
    for await (const entry of entries) {
      // Leaving the loop closes the directory.
      if (++seen > maxEntries) return { bytes, complete: false };
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) pending.push(full);
      else if (entry.isFile())
        bytes += await lstat(full).then(
          (s) => s.size,
          () => 0,
        );
    }
  }
  return { bytes, complete: true };
}
