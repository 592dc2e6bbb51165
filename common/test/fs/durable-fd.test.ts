import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { syncDirectory, writeStreamDurable } from '../../src/fs/durable-fd.ts';

const calls = vi.hoisted(() => ({ fsync: 0, writev: 0, failWritev: false }));
vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>();
  const fsync = ((fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
    calls.fsync += 1;
    actual.fsync(fd, callback);
  }) as typeof actual.fsync;
  const writev = ((
    fd: number,
    buffers: NodeJS.ArrayBufferView[],
    callback: (error: NodeJS.ErrnoException | null, bytes: number) => void,
  ) => {
    calls.writev += 1;
    if (calls.failWritev) {
      process.nextTick(() => callback(Object.assign(new Error('ENOSPC: injected'), { code: 'ENOSPC' }), 0));
      return;
    }
    actual.writev(fd, buffers, callback);
  }) as typeof actual.writev;
  return { ...actual, fsync, writev, default: { ...actual, fsync, writev } };
});

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-durable-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('syncDirectory', () => {
  it('when many callers flush one folder at once, then they share rounds: one running, one queued for all who came meanwhile', async () => {
    calls.fsync = 0;
    await Promise.all(Array.from({ length: 10 }, () => syncDirectory(dir)));
    // The first caller's round, and one more for the nine who arrived while it ran.
    expect(calls.fsync).toBe(2);
    await syncDirectory(dir);
    expect(calls.fsync).toBe(3);
  });

  it('when the folder is gone, then every caller of the round gets the error, and a later call tries again', async () => {
    const gone = path.join(dir, 'gone');
    const results = await Promise.allSettled([syncDirectory(gone), syncDirectory(gone)]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    mkdirSync(gone);
    await expect(syncDirectory(gone)).resolves.toBeUndefined();
  });
});

describe('writeStreamDurable', () => {
  const chunks = () => [Buffer.from('DICM'), Buffer.alloc(70_000, 1), Buffer.from('end')];

  it('when a stream is written, then every chunk is handed over in order, the file holds them all, and it was flushed', async () => {
    calls.fsync = 0;
    const target = path.join(dir, 'whole.bin');
    const seen: number[] = [];
    calls.writev = 0;
    await writeStreamDurable(Readable.from(chunks()), target, (chunk) => seen.push(chunk.length));
    // Smaller than a batch: written synchronously at its end, no thread-pool write.
    expect(calls.writev).toBe(0);
    expect(seen).toEqual([4, 70_000, 3]);
    // Buffer.equals: toEqual walks a MiB-sized Buffer element by element, seconds per MiB.
    expect(readFileSync(target).equals(Buffer.concat(chunks()))).toBe(true);
    expect(calls.fsync).toBe(1);
  });

  it('when take refuses a chunk, then the write rejects with its error, nothing after it is written, and the source is destroyed', async () => {
    const target = path.join(dir, 'refused.bin');
    const source = Readable.from(chunks());
    const refusal = new Error('too large');
    await expect(
      writeStreamDurable(source, target, (chunk) => {
        if (chunk.length > 100) throw refusal;
      }),
    ).rejects.toBe(refusal);
    // A file smaller than a batch is written at its end: the chunk before the refusal was never written.
    expect(readFileSync(target).equals(Buffer.alloc(0))).toBe(true);
    expect(source.destroyed).toBe(true);
  });

  it('when a stream is larger than a batch, then it is written whole and in order, the batches in the thread pool, and flushed once', async () => {
    calls.fsync = 0;
    calls.writev = 0;
    const target = path.join(dir, 'large.bin');
    // 3.5 MiB in 64 KiB chunks of distinct bytes, and an odd tail: 14 batches of 256 KiB and the tail.
    const large = Array.from({ length: 56 }, (_, i) => Buffer.alloc(65_536, i)).concat(Buffer.from('tail'));
    let taken = 0;
    await writeStreamDurable(Readable.from(large), target, (chunk) => void (taken += chunk.length));
    expect(taken).toBe(56 * 65_536 + 4);
    expect(readFileSync(target).equals(Buffer.concat(large))).toBe(true);
    expect(calls.writev).toBe(15);
    expect(calls.fsync).toBe(1);
  });

  it('when a chunk is refused after batches were written, then the write rejects with its error once no write is under way', async () => {
    const target = path.join(dir, 'refused-late.bin');
    const large = Array.from({ length: 40 }, (_, i) => Buffer.alloc(65_536, i));
    const refusal = new Error('too large');
    let taken = 0;
    await expect(
      writeStreamDurable(Readable.from(large), target, () => {
        taken += 1;
        if (taken === 35) throw refusal;
      }),
    ).rejects.toBe(refusal);
    // The first eight batches (32 chunks) were written, the one being gathered was not.
    expect(readFileSync(target).equals(Buffer.concat(large.slice(0, 32)))).toBe(true);
  });

  it('when a batch fails while the next chunk is awaited, then the write rejects with that error, and nothing is left unhandled', async () => {
    const target = path.join(dir, 'full.bin');
    async function* slow(): AsyncGenerator<Buffer> {
      for (let i = 0; i < 4; i++) yield Buffer.alloc(65_536, i);
      // The first batch's write fails during this wait, before anything awaits it.
      await new Promise((resolve) => setTimeout(resolve, 50));
      yield Buffer.from('late');
    }
    calls.failWritev = true;
    try {
      await expect(writeStreamDurable(slow(), target, () => undefined)).rejects.toMatchObject({ code: 'ENOSPC' });
    } finally {
      calls.failWritev = false;
    }
  });

  it('when the file already exists, then it is left as it was and the write rejects with EEXIST', async () => {
    const target = path.join(dir, 'existing.bin');
    writeFileSync(target, 'kept');
    await expect(writeStreamDurable(Readable.from(chunks()), target, () => undefined)).rejects.toMatchObject({ code: 'EEXIST' });
    expect(readFileSync(target, 'utf8')).toBe('kept');
  });
});
