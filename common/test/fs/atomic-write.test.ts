import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/fs/atomic-write.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-atomic-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('when the content comes in parts, then the file holds them joined, each asked for only once the one before is written', async () => {
    const target = path.join(dir, 'parts.json');
    const asked: number[] = [];
    function* parts(): Generator<string> {
      for (let i = 0; i < 3; i++) {
        asked.push(i);
        yield `[${i}]é`;
      }
    }
    await writeFileAtomic(target, parts());
    expect(readFileSync(target, 'utf8')).toBe('[0]é[1]é[2]é');
    expect(asked).toEqual([0, 1, 2]);
  });

  it('when a part cannot be made, then the old content stays and no temporary file is left', async () => {
    const target = path.join(dir, 'kept.json');
    writeFileSync(target, 'old');
    function* failing(): Generator<string> {
      yield 'new, half';
      throw new Error('a part failed');
    }
    await expect(writeFileAtomic(target, failing())).rejects.toThrow('a part failed');
    expect(readFileSync(target, 'utf8')).toBe('old');
    expect(readdirSync(dir).filter((name) => name.startsWith('.kept.json'))).toEqual([]);
  });
});
