import type { SqliteDatabase } from './open-database.ts';

interface Pending {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: the writes asked for during one turn of the event loop are made in one transaction,
 * so concurrent requests share one flush of the WAL (synchronous=FULL flushes at every commit, and the
 * flush blocks the event loop), and each promise resolves only once its write is on disk. Each write runs
 * in a savepoint of its own: one that throws is rolled back alone and rejects alone.
 */
export class GroupCommit {
  #pending: Pending[] = [];
  #scheduled = false;
  readonly #inSavepoint: (work: () => unknown) => unknown;
  readonly #inTransaction: (batch: Pending[]) => { ok: boolean; value: unknown }[];

  constructor(db: SqliteDatabase) {
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
      setImmediate(() => this.#flush());
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const batch = this.#pending;
    this.#pending = [];
    let outcomes: { ok: boolean; value: unknown }[];
    try {
      outcomes = this.#inTransaction(batch);
    } catch (error) {
      // The commit itself failed (a full disk): nothing of the batch is written.
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
