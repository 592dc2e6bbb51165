import { describe, expect, it } from 'vitest';
import { Coalescer, type Settled } from '../../src/clients/coalescer.ts';

/** A sibling held at a gate per batch: what it was sent, and a way to answer each batch. */
function heldSibling() {
  const batches: { items: number[]; answer: (settled: Settled<string>[] | Error) => void }[] = [];
  const send = (items: number[]) =>
    new Promise<Settled<string>[]>((resolve, reject) => {
      batches.push({ items, answer: (settled) => (settled instanceof Error ? reject(settled) : resolve(settled)) });
    });
  return { batches, send };
}

const ok = (items: number[]): Settled<string>[] => items.map((item) => ({ ok: true, value: `done ${item}` }));
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('Coalescer', () => {
  it('when one item comes alone, then it goes at once as a batch of one', async () => {
    const sibling = heldSibling();
    const coalescer = new Coalescer(sibling.send, { inFlight: 2, maxItems: 8, weight: () => 1, maxWeight: 100 });
    const answer = coalescer.submit(1);
    await tick();
    expect(sibling.batches.map((b) => b.items)).toEqual([[1]]);
    sibling.batches[0]!.answer(ok([1]));
    await expect(answer).resolves.toBe('done 1');
  });

  it('when items come while the batches in flight are full, then they wait and share the next batch, each answered with its own result', async () => {
    const sibling = heldSibling();
    const coalescer = new Coalescer(sibling.send, { inFlight: 1, maxItems: 8, weight: () => 1, maxWeight: 100 });
    const first = coalescer.submit(1);
    await tick();
    const later = [2, 3, 4].map((item) => coalescer.submit(item));
    await tick();
    expect(sibling.batches.map((b) => b.items)).toEqual([[1]]);
    expect(coalescer.queued).toBe(3);
    sibling.batches[0]!.answer(ok([1]));
    await first;
    await tick();
    expect(sibling.batches.map((b) => b.items)).toEqual([[1], [2, 3, 4]]);
    sibling.batches[1]!.answer([
      { ok: true, value: 'two' },
      { ok: false, error: new Error('three refused') },
      { ok: true, value: 'four' },
    ]);
    const settled = await Promise.allSettled(later);
    expect(settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error).message))).toEqual([
      'two',
      'three refused',
      'four',
    ]);
  });

  it('when items are heavy or many, then a batch stops at maxItems and maxWeight, and an item heavier than maxWeight goes alone', async () => {
    const sibling = heldSibling();
    const coalescer = new Coalescer(sibling.send, { inFlight: 1, maxItems: 3, weight: (item: number) => item, maxWeight: 10 });
    const all = [1, 1, 1, 1, 6, 5, 50, 2].map((item) => coalescer.submit(item));
    for (let round = 0; round < 6; round += 1) {
      await tick();
      const last = sibling.batches.at(-1);
      if (last && sibling.batches.length === round + 1) last.answer(ok(last.items));
    }
    await Promise.all(all);
    expect(sibling.batches.map((b) => b.items)).toEqual([[1, 1, 1], [1, 6], [5], [50], [2]]);
  });

  it('when a whole batch fails, or answers the wrong number of results, then each of its items fails with that error', async () => {
    const sibling = heldSibling();
    const coalescer = new Coalescer(sibling.send, { inFlight: 1, maxItems: 8, weight: () => 1, maxWeight: 100 });
    const failing = [1, 2].map((item) => coalescer.submit(item));
    await tick();
    sibling.batches[0]!.answer(new Error('unreachable'));
    for (const result of await Promise.allSettled(failing))
      expect(result).toMatchObject({ status: 'rejected', reason: { message: 'unreachable' } });
    const short = [3, 4].map((item) => coalescer.submit(item));
    await tick();
    sibling.batches[1]!.answer(ok([3]));
    for (const result of await Promise.allSettled(short))
      expect(result).toMatchObject({ status: 'rejected', reason: { message: 'a batch of 2 was answered with 1 results' } });
  });
});
