import { createReadStream, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DicomInspector, ElementReader, inspectStream, Tag, UNDEFINED_LENGTH, type Inspection } from '../../src/index.ts';
import { corpusAvailable, corpusPath } from '../../../test/support/corpus.ts';
import { element, item, minimalDataset, part10, us } from '../../../test/support/dicom-bytes.ts';

function inspectBytes(
  bytes: Uint8Array,
  chunkSize = bytes.length || 1,
  options?: ConstructorParameters<typeof DicomInspector>[0],
): Inspection {
  const inspector = new DicomInspector(options);
  for (let offset = 0; offset < bytes.length; offset += chunkSize) inspector.write(Buffer.from(bytes.subarray(offset, offset + chunkSize)));
  return inspector.end();
}

function kinds(inspection: Inspection): string[] {
  return inspection.issues.map((issue) => issue.kind);
}

const pixelHeader = (rows: number, columns: number) => [
  element('00280002', 'US', us(1)),
  element('00280010', 'US', us(rows)),
  element('00280011', 'US', us(columns)),
  element('00280100', 'US', us(8)),
];

describe('DicomInspector', () => {
  describe('when the file is hand-built', () => {
    it('when native Pixel Data is complete, then the header parses and the pixel bytes are counted, not kept', () => {
      const file = part10(minimalDataset([...pixelHeader(4, 4), element('7FE00010', 'OB', Buffer.alloc(16, 7))]));
      const inspection = inspectBytes(file);
      expect(inspection.issues).toEqual([]);
      expect(inspection.pixelData).toMatchObject({ declaredLength: 16, availableBytes: 16, encapsulated: null });
      expect(inspection.parsed!.bytes.length).toBe(inspection.pixelData!.offset);
      expect(new ElementReader(inspection.parsed!).text('Modality')).toBe('OT');
    });

    it('when the bytes arrive one at a time, then the result is the same as in one piece', () => {
      const file = part10(minimalDataset([...pixelHeader(4, 4), element('7FE00010', 'OB', Buffer.alloc(16, 7))]));
      const whole = inspectBytes(file);
      const dribbled = inspectBytes(file, 1);
      expect(dribbled.issues).toEqual(whole.issues);
      expect(dribbled.pixelData).toEqual(whole.pixelData);
      expect(dribbled.fileBytes).toBe(file.length);
    });

    it('when encapsulated fragments are well formed, then the offset table and fragments are counted', () => {
      const pixels = Buffer.concat([
        item(0xe000, Buffer.alloc(4)),
        item(0xe000, Buffer.alloc(10, 1)),
        item(0xe000, Buffer.alloc(6, 2)),
        item(0xe0dd),
      ]);
      const file = part10(minimalDataset([...pixelHeader(4, 4), element('7FE00010', 'OB', pixels, { length: UNDEFINED_LENGTH })]), {
        transferSyntax: '1.2.840.10008.1.2.5',
      });
      for (const chunkSize of [file.length, 3]) {
        const inspection = inspectBytes(file, chunkSize);
        expect(inspection.issues).toEqual([]);
        expect(inspection.pixelData?.encapsulated).toEqual({
          offsetTableEntries: 1,
          fragments: 2,
          delimited: true,
          truncated: false,
          problem: null,
        });
      }
    });

    it('when a fragment has an odd length, then the problem is named', () => {
      const pixels = Buffer.concat([item(0xe000), item(0xe000, Buffer.alloc(5)), item(0xe0dd)]);
      const file = part10(minimalDataset([element('7FE00010', 'OB', pixels, { length: UNDEFINED_LENGTH })]), {
        transferSyntax: '1.2.840.10008.1.2.5',
      });
      expect(inspectBytes(file).pixelData?.encapsulated?.problem).toMatch(/odd length/);
    });

    it('when the file ends before the sequence delimiter, then the encapsulation is not delimited', () => {
      const pixels = Buffer.concat([item(0xe000), item(0xe000, Buffer.alloc(8))]);
      const file = part10(minimalDataset([element('7FE00010', 'OB', pixels, { length: UNDEFINED_LENGTH })]), {
        transferSyntax: '1.2.840.10008.1.2.5',
      });
      const facts = inspectBytes(file).pixelData?.encapsulated;
      expect(facts?.delimited).toBe(false);
      expect(facts?.truncated).toBe(true);
      expect(facts?.problem).toMatch(/no Sequence Delimitation Item/);
    });

    it('when a deflated data set inflates past the limit, then it is a deflate bomb and nothing more is inflated', () => {
      const file = part10(minimalDataset([element('00091001', 'UN', Buffer.alloc(4 * 1024 * 1024))]), {
        transferSyntax: '1.2.840.10008.1.2.1.99',
        deflate: true,
      });
      expect(file.length).toBeLessThan(64 * 1024);
      const inspection = inspectBytes(file, 8192, { maxHeaderBytes: 1 << 20, maxInflatedBytes: 1 << 20 });
      expect(kinds(inspection)).toEqual(['deflate-bomb']);
    });

    it('when a deflated data set fits the limit, then it parses like any other', () => {
      const file = part10(minimalDataset(), { transferSyntax: '1.2.840.10008.1.2.1.99', deflate: true });
      const inspection = inspectBytes(file, 50);
      expect(inspection.issues).toEqual([]);
      expect(new ElementReader(inspection.parsed!).text('SOPInstanceUID')).toBe('1.2.3.4');
    });

    it('when a deflated data set is parsed, then the preamble and DICM are not read as elements of it', () => {
      const file = part10(minimalDataset(), { transferSyntax: '1.2.840.10008.1.2.1.99', deflate: true });
      file.fill(0x41, 0, 128);
      const { parsed } = inspectBytes(file, 50);
      expect([...parsed!.dataset.keys()]).toEqual(['00080016', '00080018', '00080060', '0020000D', '0020000E']);
    });

    it('when the header is larger than the limit, then the inspector stops keeping it', () => {
      const file = part10(
        minimalDataset([element('00091001', 'UN', Buffer.alloc(300 * 1024)), element('7FE00010', 'OB', Buffer.alloc(2))]),
      );
      const inspection = inspectBytes(file, 4096, { maxHeaderBytes: 128 * 1024, maxInflatedBytes: 1 << 20 });
      expect(kinds(inspection)).toEqual(['header-too-large']);
    });

    it('when a file is larger than the header limit and has no Pixel Data, then it stops at the limit, not 4× past it', () => {
      const file = part10(minimalDataset([element('00420011', 'OB', Buffer.alloc(200 * 1024))]));
      const inspection = inspectBytes(file, 1024, { maxHeaderBytes: 100 * 1024, maxInflatedBytes: 1 << 20 });
      expect(kinds(inspection)).toEqual(['header-too-large']);
    });

    it('when the header ends just under the limit, then the file still parses', () => {
      const file = part10(
        minimalDataset([element('00091001', 'UN', Buffer.alloc(90 * 1024)), element('7FE00010', 'OB', Buffer.alloc(64 * 1024))]),
      );
      const inspection = inspectBytes(file, 1024, { maxHeaderBytes: 100 * 1024, maxInflatedBytes: 1 << 20 });
      expect(inspection.issues).toEqual([]);
      expect(inspection.pixelData?.availableBytes).toBe(64 * 1024);
    });

    it('when a file is empty, then it is empty and not DICOM', () => {
      expect(kinds(inspectBytes(new Uint8Array(0)))).toEqual(['empty-file', 'not-dicom']);
    });

    it('when the meta has no Transfer Syntax UID, then that is the issue', () => {
      const file = Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), element('00020002', 'UI', '1.2.3'), ...minimalDataset()]);
      expect(kinds(inspectBytes(file))).toEqual(['meta-missing-transfer-syntax']);
    });
  });

  describe.skipIf(!corpusAvailable)('when reading the corpus', () => {
    const read = (relative: string) => inspectStream(createReadStream(corpusPath(relative), { highWaterMark: 4096 }));

    it.each([
      ['valid/samples/CT_small.dcm'],
      ['valid/samples/MR_small_implicit.dcm'],
      ['valid/samples/MR_small_bigendian.dcm'],
      ['valid/samples/image_dfl.dcm'],
      ['valid/synthetic/ct-deflated/CT_0001.dcm'],
      ['valid/samples/test-SR.dcm'],
    ])('when %s is read, then there are no issues and the header has its SOP Instance UID', async (relative) => {
      const inspection = await read(relative);
      expect(inspection.issues).toEqual([]);
      expect(new ElementReader(inspection.parsed!).text('SOPInstanceUID')).toMatch(/^[0-9.]+$/);
      expect(inspection.fileBytes).toBe(readFileSync(corpusPath(relative)).length);
    });

    it('when a big-endian file is read, then binary values come out right', async () => {
      const inspection = await read('valid/samples/MR_small_bigendian.dcm');
      const reader = new ElementReader(inspection.parsed!);
      expect([reader.number('Rows'), reader.number('Columns')]).toEqual([64, 64]);
    });

    it('when JPEG 2000 pixel data is read, then its single fragment is found and delimited', async () => {
      const inspection = await read('valid/samples/JPEG2000.dcm');
      expect(inspection.pixelData?.encapsulated).toMatchObject({ fragments: 1, delimited: true, problem: null });
    });

    it.each([
      ['invalid/samples/no_meta.dcm', ['no-preamble', 'no-dicm-magic']],
      ['invalid/single/no-preamble.dcm', ['no-preamble', 'no-dicm-magic']],
      ['invalid/single/bad-magic.dcm', ['no-dicm-magic']],
      ['invalid/single/png-named-dcm.dcm', ['not-dicom']],
      ['invalid/single/text-named-dcm.dcm', ['not-dicom']],
      ['invalid/single/truncated-header.dcm', ['element-past-eof']],
      ['invalid/single/truncated-pixel-data.dcm', ['element-past-eof']],
      ['invalid/single/huge-length-header.dcm', ['element-past-eof']],
      ['invalid/single-implicit-le/huge-length-header.dcm', ['element-past-eof']],
    ])('when %s is read, then the issues are %j', async (relative, expected) => {
      expect(kinds(await read(relative))).toEqual(expected);
    });

    it('when a cut file is read, then the element and how much of it is there are reported', async () => {
      const [issue] = (await read('invalid/single/truncated-header.dcm')).issues;
      expect(issue).toMatchObject({ kind: 'element-past-eof', tag: Tag.StudyInstanceUID });
      const facts = issue as { declaredLength: number; availableBytes: number };
      expect(facts.availableBytes).toBeLessThan(facts.declaredLength);
    });
  });
});
