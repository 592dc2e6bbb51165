import { mkdirSync, readdirSync, renameSync, rmdirSync, rmSync, unlinkSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import path from 'node:path';

/** Where emptied staging folders wait to be used again, inside the staging folder. */
export const SPARE_DIR = '.spare';

/** More spares than uploads in flight buy nothing; past this, a finished folder is removed. */
const MAX_SPARES = 64;

/** Up to this many files are unlinked synchronously; more go through the thread pool, off the event loop. */
const SYNC_UNLINKS = 16;

/**
 * The staging folders of uploads, made by renaming an emptied folder of a finished upload rather than
 * making a new one, and parked again when their study ends. A folder made and removed per upload costs
 * an inode allocated and freed; on ext4 without a journal every inode created in the minute after others
 * were freed is allocated past each of them in turn (ext4's recently_deleted()), so a mkdir grows costly
 * under a steady stream of uploads. A rename allocates nothing. The staged files themselves are hard-linked into the study by the descriptor, so
 * unlinking them frees no inode either.
 */
export class SpareFolders {
  private readonly root: string;
  private readonly spares: string[] = [];
  private parked = 0;

  constructor(stagingDir: string) {
    this.root = path.join(stagingDir, SPARE_DIR);
  }

  /** At start-up: spares of the previous run go (one may hold what a crash left mid-release). */
  open(): void {
    rmSync(this.root, { recursive: true, force: true });
    mkdirSync(this.root, { recursive: true });
  }

  /** Makes the folder `dir` (which must not exist), from a spare when there is one. */
  create(dir: string): void {
    const spare = this.spares.pop();
    if (spare !== undefined) {
      try {
        renameSync(spare, dir);
        return;
      } catch {
        // A spare someone removed: make the folder instead.
      }
    }
    mkdirSync(dir, { recursive: true });
  }

  /** Empties a finished upload's folder and parks it as a spare (or removes it when there are enough). */
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
    } catch {
      // Not only files (nothing of ours makes folders in there): remove it all, keep no spare.
      rmSync(dir, { recursive: true, force: true });
      return;
    }
    if (this.spares.length >= MAX_SPARES) {
      rmdirSync(dir);
      return;
    }
    this.parked += 1;
    const spare = path.join(this.root, String(this.parked));
    try {
      renameSync(dir, spare);
    } catch {
      // No spare folder to park in (removed by hand): the emptied folder goes instead.
      rmSync(dir, { recursive: true, force: true });
      return;
    }
    this.spares.push(spare);
  }

  /** How many spares wait (for the tests). */
  get available(): number {
    return this.spares.length;
  }
}
