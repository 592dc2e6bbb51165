import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ElementReader, inspectStream, Tag } from '../../src/index.ts';
import { corpusAvailable, corpusPath } from '../../../test/support/corpus.ts';
import { element, minimalDataset, part10 } from '../../../test/support/dicom-bytes.ts';

const charsetDir = '/usr/lib/python3/dist-packages/pydicom/data/charset_files';

async function readerFor(file: string): Promise<ElementReader> {
  const inspection = await inspectStream(createReadStream(file));
  return new ElementReader(inspection.parsed!);
}

describe('ElementReader', () => {
  it('when values are padded or multi-valued, then text trims the padding and texts splits the values', async () => {
    const bytes = part10(minimalDataset([element('00080008', 'CS', 'ORIGINAL\\PRIMARY\\AXIAL '), element('00280030', 'DS', '0.5\\0.25')]));
    const inspection = await inspectStream(
      (async function* () {
        yield bytes;
      })() as never,
    );
    const reader = new ElementReader(inspection.parsed!);
    expect(reader.text('SOPInstanceUID')).toBe('1.2.3.4');
    expect(reader.texts('ImageType')).toEqual(['ORIGINAL', 'PRIMARY', 'AXIAL']);
    expect(reader.numbers('PixelSpacing')).toEqual([0.5, 0.25]);
    expect(reader.text('PatientName')).toBeUndefined();
  });

  describe.skipIf(!existsSync(charsetDir))('when a sequence item declares its own Specific Character Set (pydicom chrSQEncoding)', () => {
    it('then forItem decodes the item with it, and the data set keeps its own', async () => {
      const reader = await readerFor(path.join(charsetDir, 'chrSQEncoding.dcm'));
      const item = reader.parsed.dataset.get(Tag.RequestedProcedureCodeSequence)!.items![0]!;
      // pydicom tests/test_charset.py expects this name for the item of chrSQEncoding.dcm.
      expect(reader.forItem(item).text('PatientName', item)).toBe('ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう');
      expect(reader.characterSets).toEqual(['ISO_IR 192']);
    });
  });

  describe.skipIf(!corpusAvailable)('when a file is big endian', () => {
    it('then binary numbers are read in its byte order', async () => {
      const reader = await readerFor(corpusPath('valid/samples/MR_small_bigendian.dcm'));
      expect(reader.number('BitsAllocated')).toBe(16);
      expect(reader.number('Rows')).toBe(64);
    });
  });
});
