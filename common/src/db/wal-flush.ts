import { closeSync, fstatSync, openSync, statSync } from 'node:fs';
import { fdatasyncFd, FlushRounds } from '../fs/durable-fd.ts';

/**
 * Makes a WAL-mode SQLite database's commits durable from the thread pool. With synchronous=NORMAL a
 * commit appends its frames to the `-wal` file without waiting for the disk
 * (https://www.sqlite.org/wal.html#concurrency, https://www.sqlite.org/pragma.html#pragma_synchronous);
 * one fdatasync(2) of that file then puts every commit made before it on disk, as synchronous=FULL would
 * have done inside each commit, but without holding the event loop for the disk. Callers share flushes
 * (FlushRounds): one made while a flush runs waits for the next.
 */
export class WalFlush {
  #fd: number | null = null;
  #ino = -1;
  readonly #rounds: FlushRounds;

  /** `walPath` null: an in-memory database, nothing to flush. */
  constructor(
    private readonly walPath: string | null,
    private readonly sync: (fd: number) => Promise<void> = fdatasyncFd,
  ) {
    this.#rounds = new FlushRounds(() => this.#sync());
  }

  /** Resolves once every commit made before this call is on disk. */
  flush(): Promise<void> {
    return this.walPath === null ? Promise.resolve() : this.#rounds.request();
  }

  close(): void {
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
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
