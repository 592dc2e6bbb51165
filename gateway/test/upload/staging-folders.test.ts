import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StagingFolders } from '../../src/upload/staging-folders.ts';

describe('StagingFolders', () => {
  let staging: string;
  beforeEach(async () => {
    staging = await mkdtemp(path.join(os.tmpdir(), 'dsv-staging-folders-'));
  });
  afterEach(() => rm(staging, { recursive: true, force: true }));

  it('when a delivery ends, then its folder and its files are removed', async () => {
    const folders = new StagingFolders(staging);
    folders.open();
    const dir = path.join(staging, 'a');
    folders.create(dir);
    writeFileSync(path.join(dir, '0001.dcm'), 'x');
    writeFileSync(path.join(dir, '0002.dcm'), 'y');
    await folders.release(dir);
    expect(existsSync(dir)).toBe(false);
    expect(readdirSync(staging)).toEqual([]);
  });

  it('when a study has many files, then they go through the thread pool and the folder is removed all the same', async () => {
    const folders = new StagingFolders(staging);
    const dir = path.join(staging, 'many');
    folders.create(dir);
    for (let i = 0; i < 40; i += 1) writeFileSync(path.join(dir, `${i}.dcm`), 'x');
    await folders.release(dir);
    expect(existsSync(dir)).toBe(false);
  });

  it('when a folder holds more than files, or is already gone, then it is removed (or left as it is)', async () => {
    const folders = new StagingFolders(staging);
    const odd = path.join(staging, 'odd');
    mkdirSync(path.join(odd, 'sub'), { recursive: true });
    writeFileSync(path.join(odd, 'sub', 'x'), 'x');
    await folders.release(odd);
    expect(existsSync(odd)).toBe(false);
    await expect(folders.release(path.join(staging, 'never-made'))).resolves.toBeUndefined();
  });

  it('when an earlier version left its folder of spares, then start-up removes it', () => {
    mkdirSync(path.join(staging, '.spare', '1'), { recursive: true });
    new StagingFolders(staging).open();
    expect(readdirSync(staging)).toEqual([]);
  });
});
