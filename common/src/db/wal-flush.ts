import { closeSync, fstatSync, openSync, statSync } from 'node:fs';
import { fdatasyncFd } from '../fs/durable-fd.ts';

/**
 * Makes a WAL-mode SQLite database's commits durable from the thread pool. With synchronous=NORMAL a
 * commit appends its frames to the `-wal` file without waiting for the disk
 * (https://www.sqlite.org/wal.html#concurrency, https://www.sqlite.org/pragma.html#pragma_synchronous);
 * one fdatasync(2) of that file then puts every commit made before it on disk, as synchronous=FULL would
 * have done inside each commit, but without holding the event loop for the disk. A call made while a
 * flush runs waits for the next one (that one may have started before the caller's commit); calls made
 * meanwhile share it.
 */
export class WalFlush {
  #fd: number | null = null;
  #ino = -1;
  #running: Promise<void> | null = null;
  #next: Promise<void> | null = null;

  /** `walPath` null: an in-memory database, nothing to flush. */
  constructor(
    private readonly walPath: string | null,
    private readonly sync: (fd: number) => Promise<void> = fdatasyncFd,
  ) {}

  /** Resolves once every commit made before this call is on disk. */
  flush(): Promise<void> {
    if (this.walPath === null) return Promise.resolve();
    if (this.#next) return this.#next;
    if (!this.#running) return this.#start();
    this.#next = this.#running
      .catch(() => undefined)
      .then(() => {
        this.#next = null;
        return this.#start();
      });
    return this.#next;
  }

  close(): void {
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
  }

  #start(): Promise<void> {
    const run = this.#sync().finally(() => {
      if (this.#running === run) this.#running = null;
    });
    this.#running = run;
    return run;
  }

  async #sync(): Promise<void> {
    const fd = this.#open();
    // No WAL file: nothing was committed since SQLite checkpointed it into the database and removed it
    // (a checkpoint syncs the database file itself).
    if (fd !== null) await this.sync(fd);
  }

  /** The descriptor of the WAL file as it is now: SQLite may have removed and made it anew meanwhile. */
  #open(): number | null {
    const found = statSync(this.walPath!, { throwIfNoEntry: false });
    if (!found) {
      this.close();
      return null;
    }
    if (this.#fd !== null && found.ino === this.#ino) return this.#fd;
    this.close();
    this.#fd = openSync(this.walPath!, 'r');
    this.#ino = fstatSync(this.#fd).ino;
    return this.#fd;
  }
}
