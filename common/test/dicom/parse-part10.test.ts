import { describe, expect, it } from 'vitest';
import { DicomInspector, ElementReader, TransferSyntax, UNDEFINED_LENGTH, type Inspection } from '../../src/index.ts';
import { element, implicitElement, item, part10 } from '../../../test/support/dicom-bytes.ts';

const BE = { bigEndian: true };

function inspectBytes(bytes: Uint8Array, chunkSize = bytes.length): Inspection {
  const inspector = new DicomInspector();
  for (let offset = 0; offset < bytes.length; offset += chunkSize) inspector.write(Buffer.from(bytes.subarray(offset, offset + chunkSize)));
  return inspector.end();
}

function usBigEndian(value: number): Buffer {
  const bytes = Buffer.alloc(2);
  bytes.writeUInt16BE(value);
  return bytes;
}

/**
 * PS3.5 §6.2.2: the value of a UN element of undefined length, in any transfer syntax, is a sequence in
 * Implicit VR Little Endian: little-endian item headers, elements without VR, little-endian lengths.
 */
function implicitLittleEndianSequence(): Buffer {
  const body = Buffer.concat([
    implicitElement('00080100', 'T-12345'), // Code Value (SH)
    implicitElement('00080102', 'SRT'), // Coding Scheme Designator (SH)
    implicitElement('00280010', Buffer.from([0x00, 0x02])), // Rows (US) 512, little endian
  ]);
  return Buffer.concat([
    item(0xe000, body, 0xffffffff), // item of undefined length
    item(0xe00d), // Item Delimitation Item
    item(0xe0dd), // Sequence Delimitation Item
  ]);
}

/** Explicit VR Big Endian: the meta in explicit VR little endian (PS3.10 §7.1), the data set big endian. */
function bigEndianFile(middle: Buffer[]): Buffer {
  return part10(
    [
      element('00080016', 'UI', '1.2.840.10008.5.1.4.1.1.7', BE), // SOP Class UID
      element('00080018', 'UI', '1.2.3.4', BE), // SOP Instance UID
      element('00080060', 'CS', 'OT', BE), // Modality
      element('00090010', 'LO', 'ACME 1.0', BE), // private creator of block 10 of group 0009
      ...middle,
      element('0020000D', 'UI', '1.2.3', BE), // Study Instance UID, after the sequence
      element('00280010', 'US', usBigEndian(258), BE), // Rows, big endian
      element('00280011', 'US', usBigEndian(3), BE), // Columns
    ],
    { transferSyntax: TransferSyntax.ExplicitVRBigEndian.uid },
  );
}

const unSequence = (tag: string) =>
  Buffer.concat([element(tag, 'UN', Buffer.alloc(0), { ...BE, length: 0xffffffff }), implicitLittleEndianSequence()]);

describe('parsePart10', () => {
  describe('when an Explicit VR Big Endian file holds a UN element of undefined length', () => {
    const file = bigEndianFile([unSequence('00091010')]);

    it('then the file parses whole and the elements after it are read big endian', () => {
      const inspection = inspectBytes(file);
      expect(inspection.issues).toEqual([]);
      const reader = new ElementReader(inspection.parsed!);
      expect(reader.text('StudyInstanceUID')).toBe('1.2.3');
      expect([reader.number('Rows'), reader.number('Columns')]).toEqual([258, 3]);
    });

    it('then the UN element keeps its undefined length and its item, read as Implicit VR Little Endian', () => {
      const parsed = inspectBytes(file).parsed!;
      const un = parsed.dataset.get('00091010')!;
      expect(un).toMatchObject({ vr: 'UN', length: UNDEFINED_LENGTH });
      expect(un.items).toHaveLength(1);
      const reader = new ElementReader(parsed);
      expect(reader.text('CodeValue', un.items![0])).toBe('T-12345');
      expect(reader.text('CodingSchemeDesignator', un.items![0])).toBe('SRT');
      // A binary value of the item is little endian too (00 02: 512), in a file read big endian.
      expect(reader.number('Rows', un.items![0])).toBe(512);
      expect(reader.littleEndian(un.items![0]!.get('00280010')!)).toBe(true);
      expect(reader.littleEndian(parsed.dataset.get('00280010')!)).toBe(false);
    });

    it('then the header handed back is the file as received, the length FFFFFFFFH included', () => {
      const parsed = inspectBytes(file).parsed!;
      expect(Buffer.from(parsed.bytes).equals(file)).toBe(true);
    });

    it('then streamed in small chunks it gives the same verdict', () => {
      const streamed = inspectBytes(file, 7);
      expect(streamed.issues).toEqual([]);
      expect(new ElementReader(streamed.parsed!).number('Rows')).toBe(258);
    });

    it('then cut before its Sequence Delimitation Item, the file is still refused', () => {
      const cut = file.subarray(0, file.indexOf(Buffer.from([0xfe, 0xff, 0xdd, 0xe0])));
      expect(inspectBytes(cut).issues).not.toEqual([]);
    });
  });

  describe('when the UN element of undefined length is inside an item of a big-endian sequence', () => {
    it('then it is read too, and so are the elements after the sequence', () => {
      const itemBody = Buffer.concat([element('00090010', 'LO', 'ACME 1.0', BE), unSequence('00091010')]);
      const sequence = Buffer.concat([
        element('00091020', 'SQ', Buffer.alloc(0), { ...BE, length: 0xffffffff }),
        item(0xe000, itemBody, itemBody.length, true),
        item(0xe0dd, Buffer.alloc(0), 0, true),
      ]);
      const inspection = inspectBytes(bigEndianFile([sequence]));
      expect(inspection.issues).toEqual([]);
      const nested = inspection.parsed!.dataset.get('00091020')!.items![0]!.get('00091010')!;
      expect(nested).toMatchObject({ vr: 'UN', length: UNDEFINED_LENGTH });
      expect(new ElementReader(inspection.parsed!).text('CodeValue', nested.items![0])).toBe('T-12345');
      expect(new ElementReader(inspection.parsed!).number('Rows')).toBe(258);
    });
  });

  describe('when the same bytes are in an Explicit VR Little Endian file', () => {
    it('then nothing is patched: a UN header is looked for in big-endian files only', () => {
      const le = part10([
        element('00080016', 'UI', '1.2.840.10008.5.1.4.1.1.7'),
        element('00080018', 'UI', '1.2.3.4'),
        element('00090010', 'LO', 'ACME 1.0'),
        element('00091010', 'UN', Buffer.alloc(0), { length: 0xffffffff }),
        implicitLittleEndianSequence(),
        element('0020000D', 'UI', '1.2.3'),
      ]);
      const inspection = inspectBytes(le);
      expect(inspection.issues).toEqual([]);
      expect(inspection.parsed!.dataset.get('00091010')!.items).toHaveLength(1);
      expect(new ElementReader(inspection.parsed!).text('StudyInstanceUID')).toBe('1.2.3');
    });
  });
});
