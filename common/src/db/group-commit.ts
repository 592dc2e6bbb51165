import type { SqliteDatabase } from './open-database.ts';
import { WalFlush } from './wal-flush.ts';

interface Pending {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: the writes asked for during one turn of the event loop are made in one transaction, and
 * each promise resolves only once its write is on disk: the WAL is flushed from the thread pool after the
 * commit (WalFlush), so concurrent requests share one flush and the event loop never waits for the disk.
 * Each write runs in a savepoint of its own: one that throws is rolled back alone and rejects alone.
 */
export class GroupCommit {
  #pending: Pending[] = [];
  #scheduled = false;
  readonly #inSavepoint: (work: () => unknown) => unknown;
  readonly #inTransaction: (batch: Pending[]) => { ok: boolean; value: unknown }[];
  readonly #wal: WalFlush;

  constructor(db: SqliteDatabase) {
    this.#wal = new WalFlush(db.memory ? null : `${db.name}-wal`);
    // A transaction function called inside another runs as a SAVEPOINT (better-sqlite3).
    this.#inSavepoint = db.transaction((work: () => unknown) => work());
    this.#inTransaction = db.transaction((batch: Pending[]) =>
      batch.map((item) => {
        try {
          return { ok: true, value: this.#inSavepoint(item.work) };
        } catch (error) {
          return { ok: false, value: error };
        }
      }),
    );
  }

  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (this.#scheduled) return;
      this.#scheduled = true;
      setImmediate(() => void this.#flush());
    });
  }

  /** Resolves once every write committed so far, by this or by a plain transaction on the database, is on disk. */
  durable(): Promise<void> {
    return this.#wal.flush();
  }

  /** Before the database closes. */
  close(): void {
    this.#wal.close();
  }

  async #flush(): Promise<void> {
    this.#scheduled = false;
    const batch = this.#pending;
    this.#pending = [];
    let outcomes: { ok: boolean; value: unknown }[];
    try {
      outcomes = this.#inTransaction(batch);
      await this.#wal.flush();
    } catch (error) {
      // The commit or its flush failed (a full disk, an I/O error): nothing of the batch is promised.
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, index) => {
      const outcome = outcomes[index]!;
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(outcome.value);
    });
  }
}
