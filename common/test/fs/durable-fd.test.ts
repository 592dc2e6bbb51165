import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { syncDirectory } from '../../src/fs/durable-fd.ts';

const calls = vi.hoisted(() => ({ fsync: 0 }));
vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>();
  const fsync = ((fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
    calls.fsync += 1;
    actual.fsync(fd, callback);
  }) as typeof actual.fsync;
  return { ...actual, fsync, default: { ...actual, fsync } };
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
