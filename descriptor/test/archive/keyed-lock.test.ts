import { describe, expect, it, vi } from 'vitest';
import { KeyedLock, type Settled } from '../../src/archive/keyed-lock.ts';
import { takenBy, type PendingJoin } from '../../src/archive/join-delivery.ts';

/** A gate the test opens: a task holding the lock until then. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

describe('KeyedLock.batch', () => {
  const doubled = async (items: number[]): Promise<Settled<number>[]> => items.map((item) => ({ ok: true, value: item * 2 }));

  it('when the key is free, then an item goes alone, at once', async () => {
    const lock = new KeyedLock();
    const calls: number[][] = [];
    const answer = await lock.batch('a', 1, async (items: number[]) => (calls.push(items), doubled(items)));
    expect(answer).toBe(2);
    expect(calls).toEqual([[1]]);
  });

  it('when items come while the key is held, then they go together, in their order, to one call, and each gets its own answer', async () => {
    const lock = new KeyedLock();
    const held = gate();
    const holding = lock.run('a', () => held.wait);
    const calls: number[][] = [];
    const handle = async (items: number[]) => (calls.push(items), doubled(items));
    const answers = Promise.all([1, 2, 3].map((item) => lock.batch('a', item, handle)));
    // Another key is not held up.
    expect(await lock.batch('b', 9, handle)).toBe(18);
    held.open();
    await holding;
    expect(await answers).toEqual([2, 4, 6]);
    expect(calls).toEqual([[9], [1, 2, 3]]);
  });

  it('when items come while a batch runs, then they make the next batch, after it', async () => {
    const lock = new KeyedLock();
    const running = gate();
    const calls: number[][] = [];
    const first = lock.batch('a', 1, async (items: number[]) => {
      calls.push(items);
      await running.wait;
      return doubled(items);
    });
    await vi.waitFor(() => expect(calls).toEqual([[1]]));
    const later = Promise.all([2, 3].map((item) => lock.batch('a', item, async (items: number[]) => (calls.push(items), doubled(items)))));
    running.open();
    expect(await first).toBe(2);
    expect(await later).toEqual([4, 6]);
    expect(calls).toEqual([[1], [2, 3]]);
  });

  it('when one item fails, then only it is rejected; when the handler throws, then its whole batch is', async () => {
    const lock = new KeyedLock();
    const held = gate();
    const holding = lock.run('a', () => held.wait);
    const oddFails = async (items: number[]): Promise<Settled<number>[]> =>
      items.map((item) => (item % 2 ? { ok: false, error: new Error(`odd ${item}`) } : { ok: true, value: item }));
    const some = [1, 2].map((item) => lock.batch('a', item, oddFails));
    held.open();
    await holding;
    await expect(some[0]).rejects.toThrow('odd 1');
    await expect(some[1]).resolves.toBe(2);
    const broken = [3, 4].map((item) =>
      lock.batch('a', item, async () => {
        throw new Error('disk full');
      }),
    );
    for (const answer of broken) await expect(answer).rejects.toThrow('disk full');
    // The key is free again afterwards.
    expect(await lock.batch('a', 5, doubled)).toBe(10);
  });
});

describe('takenBy (the deliveries one turn of a study lock joins together)', () => {
  const job = (...uids: string[]) => ({ described: uids.map((uid) => ({ uid })) }) as unknown as PendingJoin;

  it('when the study is stored, then the deliveries are taken up to the first that brings an instance an earlier one brings', () => {
    expect(takenBy([job('1'), job('2', '3'), job('4')], false)).toBe(3);
    expect(takenBy([job('1'), job('2', '3'), job('3'), job('5')], false)).toBe(2);
  });

  it('when the first delivery creates the study, then it goes alone', () => {
    expect(takenBy([job('1'), job('2')], true)).toBe(1);
  });
});
