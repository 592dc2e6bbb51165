import { describe, expect, it } from 'vitest';
import { corpusAvailable, corpusPath } from '../../../../test/support/corpus.ts';
import { element, item, minimalDataset, part10, us } from '../../../../test/support/dicom-bytes.ts';
import { instanceDicomJson, type DicomJsonDataset } from '../../../src/domain/metadata/dicom-json.ts';
import { readerFor } from '../../support/inspect-bytes.ts';

const toJson = (file: Buffer | string, stored = 'original.dcm'): DicomJsonDataset => instanceDicomJson(readerFor(file), stored);
const le32 = (...values: number[]): Buffer => Buffer.from(new Uint32Array(values).buffer);
const float32 = (...values: number[]): Buffer => Buffer.from(new Float32Array(values).buffer);
const float64 = (...values: number[]): Buffer => Buffer.from(new Float64Array(values).buffer);

/** The byte range a BulkDataURI names, read back from the file. */
function bulkBytes(file: Buffer, uri: string | undefined): Buffer {
  const match = /\?offset=(\d+)&length=(\d+)$/.exec(uri ?? '');
  if (!match) throw new Error(`no byte range in ${uri}`);
  return file.subarray(Number(match[1]), Number(match[1]) + Number(match[2]));
}

describe('instanceDicomJson (PS3.18 Annex F.2) on hand-built bytes', () => {
  it('when the data set is read, then keys are 8 upper-case hex digits in ascending order, without group 0002 or group lengths', () => {
    const json = toJson(part10([element('00080000', 'UL', le32(100)), ...minimalDataset([element('00091010', 'LO', 'x')])]));
    expect(Object.keys(json)).toEqual(['00080016', '00080018', '00080060', '00091010', '0020000D', '0020000E']);
    expect(json['00080018']).toEqual({ vr: 'UI', Value: ['1.2.3.4'] });
  });

  it('when a person name has three component groups, then it is {Alphabetic, Ideographic, Phonetic}, one object per value', () => {
    const value = Buffer.from('Yamada^Tarou=山田^太郎=やまだ^たろう\\Doe^John^^^ ', 'utf8');
    const json = toJson(
      part10(
        minimalDataset([element('00080005', 'CS', 'ISO_IR 192'), element('00100010', 'PN', value), element('00080090', 'PN', '^^^^')]),
      ),
    );
    expect(json['00100010']).toEqual({
      vr: 'PN',
      Value: [{ Alphabetic: 'Yamada^Tarou', Ideographic: '山田^太郎', Phonetic: 'やまだ^たろう' }, { Alphabetic: 'Doe^John' }],
    });
    // Only delimiters: no name at all (PS3.5 §6.2.1.1 lets trailing empty components be left out).
    expect(json['00080090']).toEqual({ vr: 'PN' });
  });

  it('when the text is decoded, then Specific Character Set says what it is now: UTF-8 (ISO_IR 192)', () => {
    const latin1 = Buffer.from('Müller^Hans ', 'latin1');
    const json = toJson(part10(minimalDataset([element('00080005', 'CS', 'ISO_IR 100'), element('00100010', 'PN', latin1)])));
    expect(json['00080005']).toEqual({ vr: 'CS', Value: ['ISO_IR 192'] });
    expect(json['00100010']).toEqual({ vr: 'PN', Value: [{ Alphabetic: 'Müller^Hans' }] });
  });

  it('when DS and IS hold numbers, then they are JSON numbers; an empty one among several is null; one that is no number stays text', () => {
    const json = toJson(
      part10(
        minimalDataset([
          element('00200032', 'DS', ' -158.135803\\1e2\\+.5 '), // ImagePositionPatient
          element('00280030', 'DS', '0.5\\'), // PixelSpacing, second value empty
          element('00180060', 'DS', 'abc'), // KVP, not a decimal string
          element('00200013', 'IS', ' 0042'), // InstanceNumber
        ]),
      ),
    );
    expect(json['00200032']).toEqual({ vr: 'DS', Value: [-158.135803, 100, 0.5] });
    expect(json['00280030']).toEqual({ vr: 'DS', Value: [0.5, null] });
    expect(json['00180060']).toEqual({ vr: 'DS', Value: ['abc'] });
    expect(json['00200013']).toEqual({ vr: 'IS', Value: [42] });
  });

  it('when values are binary numbers or tags, then they are numbers, and AT values are tag strings', () => {
    const json = toJson(
      part10(
        minimalDataset([
          element('00280010', 'US', us(512)), // Rows
          element('00280106', 'SS', Buffer.from([0x00, 0xf8])), // SmallestImagePixelValue -2048
          element('00181310', 'US', Buffer.from([0, 0, 0, 2, 0, 2, 0, 0])), // AcquisitionMatrix, 4 values
          element('00186020', 'SL', Buffer.from(new Int32Array([-7]).buffer)), // ReferencePixelX0
          element('00189306', 'FD', float64(0.1)), // SingleCollimationWidth
          element('00189087', 'FD', float64(Number.NaN)), // DiffusionBValue
          element('00189327', 'FD', float64(1.5, 2.5)), // TablePosition
          element('00181150', 'FL', float32(9.7)),
          element('00209165', 'AT', Buffer.from([0x20, 0x00, 0x32, 0x00, 0x28, 0x00, 0x10, 0x00])), // DimensionIndexPointer
        ]),
      ),
    );
    expect(json['00280010']).toEqual({ vr: 'US', Value: [512] });
    expect(json['00280106']).toEqual({ vr: 'SS', Value: [-2048] });
    expect(json['00181310']).toEqual({ vr: 'US', Value: [0, 512, 512, 0] });
    expect(json['00186020']).toEqual({ vr: 'SL', Value: [-7] });
    expect(json['00189306']).toEqual({ vr: 'FD', Value: [0.1] });
    // NaN has no JSON number: the value is written as an empty one.
    expect(json['00189087']).toEqual({ vr: 'FD' });
    expect(json['00189327']).toEqual({ vr: 'FD', Value: [1.5, 2.5] });
    // The shortest decimal that reads back as the same 32-bit float, not 9.699999809265137.
    expect(json['00181150']).toEqual({ vr: 'FL', Value: [9.7] });
    expect(json['00209165']).toEqual({ vr: 'AT', Value: ['00200032', '00280010'] });
  });

  it('when an element is empty, then the attribute has only its vr', () => {
    const json = toJson(
      part10(minimalDataset([element('00100010', 'PN', ''), element('00080050', 'SH', '  '), element('00280030', 'DS', '')])),
    );
    expect([json['00100010'], json['00080050'], json['00280030']]).toEqual([{ vr: 'PN' }, { vr: 'SH' }, { vr: 'DS' }]);
  });

  it('when text is ST, LT or UT, then it is one value with its backslashes and leading spaces', () => {
    const json = toJson(
      part10(minimalDataset([element('00204000', 'LT', '  C:\\path\\x  '), element('00080080', 'LO', '  Clinic A\\Clinic B ')])),
    );
    expect(json['00204000']).toEqual({ vr: 'LT', Value: ['  C:\\path\\x'] });
    expect(json['00080080']).toEqual({ vr: 'LO', Value: ['Clinic A', 'Clinic B'] });
  });

  it('when a sequence has items, then Value holds one object per item, an item read in its own character set; an empty sequence has only its vr', () => {
    const latin1Item = Buffer.concat([element('00080005', 'CS', 'ISO_IR 100'), element('00080104', 'LO', Buffer.from('Fémur ', 'latin1'))]);
    const json = toJson(
      part10(
        minimalDataset([
          element('00082218', 'SQ', Buffer.concat([item(0xe000, latin1Item), item(0xe000)])), // AnatomicRegionSequence
          element('00081140', 'SQ', Buffer.alloc(0)), // ReferencedImageSequence, no items
        ]),
      ),
    );
    expect(json['00082218']).toEqual({
      vr: 'SQ',
      Value: [{ '00080005': { vr: 'CS', Value: ['ISO_IR 192'] }, '00080104': { vr: 'LO', Value: ['Fémur'] } }, {}],
    });
    expect(json['00081140']).toEqual({ vr: 'SQ' });
  });

  it('when a binary value is 1 KiB or less, then it is InlineBinary; when longer, then a BulkDataURI names its bytes in the stored file', () => {
    const small = Buffer.from(Array.from({ length: 16 }, (_, index) => index));
    const large = Buffer.alloc(1026, 7);
    const file = part10(minimalDataset([element('00091001', 'OB', small), element('00091002', 'UN', large)]));
    const json = toJson(file, 'originals/1.2.3.4.dcm');
    expect(json['00091001']).toEqual({ vr: 'OB', InlineBinary: small.toString('base64') });
    expect(json['00091002']!.BulkDataURI).toMatch(/^originals\/1\.2\.3\.4\.dcm\?offset=\d+&length=1026$/);
    expect(bulkBytes(file, json['00091002']!.BulkDataURI).equals(large)).toBe(true);
  });

  it('when the file has Pixel Data, then it is never inlined, even when small: its BulkDataURI names the pixel bytes', () => {
    const pixels = Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const file = part10(minimalDataset([element('00280010', 'US', us(2)), element('7FE00010', 'OW', pixels)]));
    const json = toJson(file);
    expect(json['7FE00010']).toEqual({ vr: 'OW', BulkDataURI: expect.stringMatching(/^original\.dcm\?offset=\d+&length=8$/) });
    expect(bulkBytes(file, json['7FE00010']!.BulkDataURI).equals(pixels)).toBe(true);
  });

  it('when the file is big endian, then numbers are read big endian and an OW InlineBinary is given in little endian words', () => {
    // Explicit VR Big Endian (retired, PS3.5 §A.3): tag, 16-bit length and value bytes most significant first.
    const be = (tag: string, vr: string, value: Buffer): Buffer => {
      const long = vr === 'OW';
      const head = Buffer.alloc(long ? 12 : 8);
      head.writeUInt16BE(parseInt(tag.slice(0, 4), 16), 0);
      head.writeUInt16BE(parseInt(tag.slice(4), 16), 2);
      head.write(vr, 4, 'latin1');
      if (long) head.writeUInt32BE(value.length, 8);
      else head.writeUInt16BE(value.length, 6);
      return Buffer.concat([head, value]);
    };
    const file = part10(
      [
        be('00080018', 'UI', Buffer.from('1.2.3.4\0', 'latin1')),
        be('00280010', 'US', Buffer.from([0x02, 0x00])), // Rows 512
        be('00281201', 'OW', Buffer.from([0x01, 0x02, 0x03, 0x04])), // RedPaletteColorLookupTableData: words 0x0102, 0x0304
      ],
      { transferSyntax: '1.2.840.10008.1.2.2' },
    );
    const json = toJson(file);
    expect(json['00280010']).toEqual({ vr: 'US', Value: [512] });
    expect(json['00281201']).toEqual({ vr: 'OW', InlineBinary: Buffer.from([0x02, 0x01, 0x04, 0x03]).toString('base64') });
  });

  it('when Pixel Data is encapsulated (undefined length), then its BulkDataURI has the offset only', () => {
    const fragments = Buffer.concat([item(0xe000), item(0xe000, Buffer.alloc(8, 9)), item(0xe0dd)]);
    const file = part10(minimalDataset([element('7FE00010', 'OB', fragments, { length: 0xffffffff })]), {
      transferSyntax: '1.2.840.10008.1.2.5',
    });
    expect(toJson(file)['7FE00010']).toEqual({ vr: 'OB', BulkDataURI: expect.stringMatching(/^original\.dcm\?offset=\d+$/) });
  });
});

describe.skipIf(!corpusAvailable)('instanceDicomJson on corpus files', () => {
  it('when MR_small is encoded explicit LE, explicit BE, implicit LE and RLE, then the four DICOM JSON agree but for the bulk data', () => {
    const withoutBulk = (json: DicomJsonDataset): DicomJsonDataset =>
      Object.fromEntries(Object.entries(json).filter(([, attribute]) => attribute.BulkDataURI === undefined));
    const [explicit, ...others] = ['MR_small.dcm', 'MR_small_bigendian.dcm', 'MR_small_implicit.dcm', 'MR_small_RLE.dcm'].map((name) =>
      withoutBulk(toJson(corpusPath(`valid/samples/${name}`))),
    );
    // Implicit VR: 'US or SS' resolved by Pixel Representation (PS3.5 Annex A.1), as the explicit file says.
    expect(explicit!['00280106']).toEqual({ vr: 'SS', Value: [expect.any(Number)] });
    for (const other of others) expect(other).toEqual(explicit);
  });

  it('when the file is deflated, then a BulkDataURI names the file alone: offsets into the inflated data set mean nothing on disk', () => {
    expect(toJson(corpusPath('valid/samples/image_dfl.dcm'))['7FE00010']).toEqual({ vr: 'OB', BulkDataURI: 'original.dcm' });
  });
});
