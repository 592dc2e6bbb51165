import { mkdirSync, readdirSync, rmdirSync, rmSync, unlinkSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import path from 'node:path';
import { syncDirectory } from '@dsv/common';

/** Where earlier versions parked emptied staging folders for reuse; removed at start-up. */
const LEGACY_SPARE_DIR = '.spare';

/** Up to this many files are unlinked synchronously; more go through the thread pool, off the event loop. */
const SYNC_UNLINKS = 16;

/** The staging folder of each delivery (an upload, or a C-STORE's instance): made when it arrives, removed when it ends. */
export class StagingFolders {
  constructor(private readonly stagingDir: string) {}

  /** At start-up: the reuse folder of an earlier version goes (nothing reads it any more). */
  open(): void {
    mkdirSync(this.stagingDir, { recursive: true });
    rmSync(path.join(this.stagingDir, LEGACY_SPARE_DIR), { recursive: true, force: true });
  }

  /** Makes the folder `dir`. */
  create(dir: string): void {
    mkdirSync(dir, { recursive: true });
  }

  /**
   * Makes the folder `dir` and the names in it durable: its entries, and its own entry in the staging
   * area (each file is flushed as it closes). Until then a power cut may take the files' names.
   */
  async flush(dir: string): Promise<void> {
    await Promise.all([syncDirectory(dir), syncDirectory(path.dirname(dir))]);
  }

  /** Removes a finished delivery's folder and its files (nothing when it is gone already). */
  async release(dir: string): Promise<void> {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    try {
      if (names.length <= SYNC_UNLINKS) for (const name of names) unlinkSync(path.join(dir, name));
      else await Promise.all(names.map((name) => unlink(path.join(dir, name))));
      rmdirSync(dir);
    } catch {
      // Not only files (nothing of ours makes folders in there), or removed meanwhile: remove what is left.
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
