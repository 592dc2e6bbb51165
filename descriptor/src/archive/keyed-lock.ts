/** One item's answer from a batch: its value, or the error it alone failed with. */
export type Settled<O> = { ok: true; value: O } | { ok: false; error: unknown };

interface Waiting {
  item: unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Runs tasks one at a time per key, in the order they asked, and tasks of different keys side by side:
 * two deliveries of one study join it one after the other, deliveries of other studies meanwhile.
 */
export class KeyedLock {
  readonly #tails = new Map<string, Promise<unknown>>();
  /** Per key, the items of the batch that has not started yet. */
  readonly #batches = new Map<string, Waiting[]>();

  /** Items waiting for a batch of `key` to start (for the tests). */
  queued(key: string): number {
    return this.#batches.get(key)?.length ?? 0;
  }

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const before = this.#tails.get(key) ?? Promise.resolve();
    const result = before.catch(() => undefined).then(task);
    const tail = result.catch(() => undefined);
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }

  /**
   * Queues `item` for a turn of `key`: the items queued while the key is held go together, in the order
   * they came, to one call of `handle` when their turn comes, which settles each of them (an item that
   * comes while nothing holds the key goes at once, with those of the same turn of the event loop). A
   * key's items must all be given the same `handle`. If `handle` throws, every item of its batch fails
   * with that error.
   */
  batch<I, O>(key: string, item: I, handle: (items: I[]) => Promise<Settled<O>[]>): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      const entry: Waiting = { item, resolve: resolve as (value: unknown) => void, reject };
      const waiting = this.#batches.get(key);
      if (waiting) {
        waiting.push(entry);
        return;
      }
      const batch = [entry];
      this.#batches.set(key, batch);
      void this.run(key, async () => {
        // From here on, new items make the next batch, which waits for this one.
        this.#batches.delete(key);
        try {
          const settled = await handle(batch.map((waiting) => waiting.item as I));
          for (const [index, waiting] of batch.entries()) {
            const outcome = settled[index];
            if (outcome === undefined) waiting.reject(new Error(`a batch of ${batch.length} was settled with ${settled.length} outcomes`));
            else if (outcome.ok) waiting.resolve(outcome.value);
            else waiting.reject(outcome.error);
          }
        } catch (error) {
          for (const waiting of batch) waiting.reject(error);
        }
      });
    });
  }
}
