import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectFile, inspectStream, type Inspection } from '../../src/index.ts';
import { corpusAvailable, corpusPath, entryFiles, loadManifest } from '../../../test/support/corpus.ts';
import { element, minimalDataset, part10, us } from '../../../test/support/dicom-bytes.ts';

/** What a validator or descriptor reads off an inspection. */
function verdict(inspection: Inspection) {
  return {
    fileBytes: inspection.fileBytes,
    issues: inspection.issues,
    pixelData: inspection.pixelData,
    header: inspection.parsed ? Buffer.from(inspection.parsed.bytes).toString('base64') : null,
    transferSyntax: inspection.parsed?.transferSyntaxUID ?? null,
  };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-inspect-file-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('inspectFile', () => {
  it('when native Pixel Data is 256 MiB, then it reads the header only and counts the pixel bytes from the size', async () => {
    const pixels = 256 * 1024 * 1024;
    const header = part10(
      minimalDataset([element('00280010', 'US', us(8192)), element('00280011', 'US', us(16384)), element('00280100', 'US', us(16))]),
    );
    // The Pixel Data element header (explicit VR LE, OW: 2-byte reserved, 4-byte length), then a sparse hole.
    const pixelHeader = Buffer.alloc(12);
    pixelHeader.writeUInt16LE(0x7fe0, 0);
    pixelHeader.writeUInt16LE(0x0010, 2);
    pixelHeader.write('OW', 4, 'latin1');
    pixelHeader.writeUInt32LE(pixels, 8);
    const file = path.join(dir, 'big.dcm');
    await writeFile(file, Buffer.concat([header, pixelHeader]));
    await truncate(file, header.length + pixelHeader.length + pixels);

    // Bytes this process reads by read(2) in the meantime (/proc/self/io): the pixel bytes must not be among them.
    const readBytes = async () => Number(/rchar: (\d+)/.exec(await readFile('/proc/self/io', 'utf8'))![1]);
    const before = await readBytes();
    const inspection = await inspectFile(file);
    const bytesRead = (await readBytes()) - before;
    expect(inspection.issues).toEqual([]);
    expect(inspection.pixelData).toMatchObject({ declaredLength: pixels, availableBytes: pixels, encapsulated: null });
    expect(inspection.fileBytes).toBe(header.length + pixelHeader.length + pixels);
    expect(bytesRead).toBeLessThan(1024 * 1024);
  });

  it('when native Pixel Data is cut short, then it is element-past-eof, as when streamed', async () => {
    const file = path.join(dir, 'cut.dcm');
    const whole = part10(
      minimalDataset([
        element('00280010', 'US', us(64)),
        element('00280011', 'US', us(64)),
        element('7FE00010', 'OW', Buffer.alloc(8192, 3)),
      ]),
    );
    await writeFile(file, whole.subarray(0, whole.length - 100));
    const fromFile = await inspectFile(file);
    expect(fromFile.issues.map((issue) => issue.kind)).toEqual(['element-past-eof']);
    expect(verdict(fromFile)).toEqual(verdict(await inspectStream(createReadStream(file))));
  });

  it('when the path is a symbolic link, then it is refused (ELOOP), never followed', async () => {
    const target = path.join(dir, 'target.dcm');
    await writeFile(target, part10(minimalDataset([])));
    const link = path.join(dir, 'link.dcm');
    await symlink(target, link);
    await expect(inspectFile(link)).rejects.toMatchObject({ code: 'ELOOP' });
  });

  describe.skipIf(!corpusAvailable)('when reading every corpus file, whole and cut', () => {
    const files = corpusAvailable ? loadManifest().flatMap(entryFiles) : [];

    it(`then each of the ${files.length} files gives the verdict that streaming every byte gives`, async () => {
      for (const file of files) {
        const fromFile = verdict(await inspectFile(file));
        const streamed = verdict(await inspectStream(createReadStream(file, { highWaterMark: 64 * 1024 })));
        expect(fromFile, file).toEqual(streamed);
      }
    });

    it('then files cut at a third and at two thirds give the streamed verdict too', async () => {
      for (const relative of ['valid/samples/CT_small.dcm', 'valid/samples/MR_small.dcm', 'valid/synthetic/cr-1024/CR_0001.dcm']) {
        const bytes = await readFile(corpusPath(relative));
        for (const cut of [Math.floor(bytes.length / 3), Math.floor((2 * bytes.length) / 3)]) {
          const file = path.join(dir, `cut-${cut}.dcm`);
          await writeFile(file, bytes.subarray(0, cut));
          expect(verdict(await inspectFile(file)), `${relative} cut at ${cut}`).toEqual(
            verdict(await inspectStream(createReadStream(file))),
          );
        }
      }
    });
  });
});
