import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DefaultInspectOptions } from '@dsv/common';
import { corpusAvailable, corpusPath, loadManifest } from '../../../../test/support/corpus.ts';
import { receiveFile } from '../../../src/domain/intake/receive-file.ts';

describe.skipIf(!corpusAvailable)('receiveFile', () => {
  const manifest = loadManifest();
  const entry = (relative: string) => manifest.find((candidate) => candidate.path === relative)!;
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-receive-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('when a 2 MB file streams in small chunks, then it is written whole, hashed as the manifest says, and only its header is kept', async () => {
    const relative = 'valid/synthetic/cr-1024/CR_0001.dcm';
    const received = await receiveFile(
      createReadStream(corpusPath(relative), { highWaterMark: 4096 }),
      '0001.dcm',
      path.join(dir, '0001.dcm'),
      DefaultInspectOptions,
    );
    expect(received.sha256).toBe(entry(relative).sha256);
    expect(received.sizeBytes).toBe(entry(relative).size_bytes);
    // Buffer.equals: a deep toEqual over 2 million bytes takes seconds.
    expect((await readFile(received.tempPath)).equals(await readFile(corpusPath(relative)))).toBe(true);
    expect(received.inspection.parsed).not.toBeNull();
    expect(received.inspection.parsed!.bytes.length).toBeLessThan(16 * 1024);
    expect(received.inspection.pixelData?.availableBytes).toBeGreaterThan(2_000_000);
  });

  it('when the bytes are not DICOM, then the file is still written and hashed, and the inspection says why it is unreadable', async () => {
    const relative = 'invalid/single/text-named-dcm.dcm';
    const received = await receiveFile(
      createReadStream(corpusPath(relative)),
      '0001.dcm',
      path.join(dir, '0001.dcm'),
      DefaultInspectOptions,
    );
    expect(received.sha256).toBe(entry(relative).sha256);
    expect(received.inspection.parsed).toBeNull();
    expect(received.inspection.issues.map((issue) => issue.kind)).toContain('not-dicom');
  });

  it('when a file of that name is already in the folder, then it is not overwritten', async () => {
    await writeFile(path.join(dir, '0001.dcm'), 'first');
    await expect(
      receiveFile(
        createReadStream(corpusPath('valid/samples/CT_small.dcm')),
        '0001.dcm',
        path.join(dir, '0001.dcm'),
        DefaultInspectOptions,
      ),
    ).rejects.toMatchObject({ code: 'EEXIST' });
    expect(await readFile(path.join(dir, '0001.dcm'), 'utf8')).toBe('first');
  });
});
