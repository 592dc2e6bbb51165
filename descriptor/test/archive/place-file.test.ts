import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { placeFile } from '../../src/archive/place-file.ts';

describe('placeFile', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-place-file-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('when the file is staged, then it is linked into place (the same inode) and stays staged', async () => {
    const staged = path.join(dir, 'staged.dcm');
    await writeFile(staged, 'instance bytes');
    const target = path.join(dir, 'stored.dcm');
    await placeFile({ staged: () => staged }, '0001.dcm', target);
    expect((await stat(target)).ino).toBe((await stat(staged)).ino);
    expect(await readFile(staged, 'utf8')).toBe('instance bytes');
  });

  it('when a name is left at the target by a join that never committed, then it is replaced', async () => {
    const staged = path.join(dir, 'staged.dcm');
    await writeFile(staged, 'the delivery');
    const target = path.join(dir, 'stored.dcm');
    await writeFile(target, 'left by a crash');
    await placeFile({ staged: () => staged }, '0001.dcm', target);
    expect(await readFile(target, 'utf8')).toBe('the delivery');
  });

  it('when the file is in an assembly folder, then it is renamed into place', async () => {
    const assembled = path.join(dir, 'assembled.dcm');
    await writeFile(assembled, 'streamed');
    const target = path.join(dir, 'stored.dcm');
    await placeFile({ assembly: (file) => path.join(dir, file) }, 'assembled.dcm', target);
    expect(await readFile(target, 'utf8')).toBe('streamed');
    await expect(stat(assembled)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
