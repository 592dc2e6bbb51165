import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SPARE_DIR, SpareFolders } from '../../src/upload/spare-folders.ts';

describe('SpareFolders', () => {
  let staging: string;
  beforeEach(async () => {
    staging = await mkdtemp(path.join(os.tmpdir(), 'dsv-spares-'));
  });
  afterEach(() => rm(staging, { recursive: true, force: true }));

  it('when a finished folder is released, then it is emptied, parked, and the next upload gets that very folder (no new inode)', async () => {
    const spares = new SpareFolders(staging);
    spares.open();
    const first = path.join(staging, 'a');
    spares.create(first);
    writeFileSync(path.join(first, '0001.dcm'), 'x');
    writeFileSync(path.join(first, '0002.dcm'), 'y');
    const inode = statSync(first).ino;
    await spares.release(first);
    expect(existsSync(first)).toBe(false);
    expect(spares.available).toBe(1);

    const second = path.join(staging, 'b');
    spares.create(second);
    expect(statSync(second).ino).toBe(inode);
    expect(readdirSync(second)).toEqual([]);
    expect(spares.available).toBe(0);
    expect(readdirSync(staging).sort()).toEqual([SPARE_DIR, 'b']);
  });

  it('when a study has many files, then they go through the thread pool and the folder is parked all the same', async () => {
    const spares = new SpareFolders(staging);
    spares.open();
    const dir = path.join(staging, 'many');
    spares.create(dir);
    for (let i = 0; i < 40; i += 1) writeFileSync(path.join(dir, `${i}.dcm`), 'x');
    await spares.release(dir);
    expect(spares.available).toBe(1);
    expect(readdirSync(path.join(staging, SPARE_DIR, '1'))).toEqual([]);
  });

  it('when a folder holds more than files, or is already gone, then it is removed (or left) and nothing is parked', async () => {
    const spares = new SpareFolders(staging);
    spares.open();
    const odd = path.join(staging, 'odd');
    mkdirSync(path.join(odd, 'sub'), { recursive: true });
    await spares.release(odd);
    expect(existsSync(odd)).toBe(false);
    await spares.release(path.join(staging, 'never-made'));
    expect(spares.available).toBe(0);
  });

  it('when more folders are released than uploads run at once, then past 64 spares they are removed', async () => {
    const spares = new SpareFolders(staging);
    spares.open();
    for (let i = 0; i < 70; i += 1) {
      const dir = path.join(staging, `d${i}`);
      mkdirSync(dir);
      await spares.release(dir);
    }
    expect(spares.available).toBe(64);
    expect(readdirSync(path.join(staging, SPARE_DIR))).toHaveLength(64);
    expect(readdirSync(staging)).toEqual([SPARE_DIR]);
  });

  it('when the gateway starts again, then the spares of the last run are cleared, whatever a crash left in them', async () => {
    mkdirSync(path.join(staging, SPARE_DIR, '7'), { recursive: true });
    writeFileSync(path.join(staging, SPARE_DIR, '7', '0001.dcm'), 'left by a crash');
    const spares = new SpareFolders(staging);
    spares.open();
    expect(readdirSync(path.join(staging, SPARE_DIR))).toEqual([]);
    spares.create(path.join(staging, 'fresh'));
    expect(readdirSync(path.join(staging, 'fresh'))).toEqual([]);
  });
});
