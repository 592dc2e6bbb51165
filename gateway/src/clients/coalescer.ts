/** One item's answer inside a batch: its value, or the error a call of its own would have raised. */
export type Settled<O> = { ok: true; value: O } | { ok: false; error: unknown };

export interface CoalescerOptions<I> {
  /** Batches sent at once; items asked for meanwhile wait and go together in the next one. */
  inFlight: number;
  /** Items in one batch at most. */
  maxItems: number;
  /** The weight of one item (e.g. its files) and the most a batch may carry; a heavier item goes alone. */
  weight: (item: I) => number;
  maxWeight: number;
}

interface Waiting<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

/**
 * Turns single calls into batches under load and nothing else: while fewer than `inFlight` batches run,
 * an item goes at once (a batch of one, no added wait); items that come while the batches are full wait
 * for the next free one and share it. Items submitted in the same turn of the event loop go together. A
 * batch that fails as a whole fails each of its items with that error (each caller retries on its own).
 */
export class Coalescer<I, O> {
  private readonly waiting: Waiting<I, O>[] = [];
  private running = 0;
  private scheduled = false;

  constructor(
    private readonly send: (items: I[]) => Promise<Settled<O>[]>,
    private readonly options: CoalescerOptions<I>,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        queueMicrotask(() => {
          this.scheduled = false;
          this.pump();
        });
      }
    });
  }

  private pump(): void {
    while (this.running < this.options.inFlight && this.waiting.length > 0) {
      const batch = this.take();
      this.running += 1;
      // sendBatch settles every item itself and never rejects.
      void this.sendBatch(batch).finally(() => {
        this.running -= 1;
        this.pump();
      });
    }
  }

  private async sendBatch(batch: Waiting<I, O>[]): Promise<void> {
    try {
      const settled = await this.send(batch.map((waiting) => waiting.item));
      if (settled.length !== batch.length) throw new Error(`a batch of ${batch.length} was answered with ${settled.length} results`);
      for (const [index, waiting] of batch.entries()) {
        const outcome = settled[index]!;
        if (outcome.ok) waiting.resolve(outcome.value);
        else waiting.reject(outcome.error);
      }
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
    }
  }

  /** The oldest items that fit in one batch (always at least one). */
  private take(): Waiting<I, O>[] {
    const { maxItems, maxWeight, weight } = this.options;
    const batch: Waiting<I, O>[] = [];
    let carried = 0;
    while (this.waiting.length > 0 && batch.length < maxItems) {
      const next = weight(this.waiting[0]!.item);
      if (batch.length > 0 && carried + next > maxWeight) break;
      batch.push(this.waiting.shift()!);
      carried += next;
    }
    return batch;
  }

  /** Items waiting for a batch (for the tests). */
  get queued(): number {
    return this.waiting.length;
  }
}
