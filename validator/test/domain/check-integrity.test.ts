import { describe, expect, it } from 'vitest';
import { checkIntegrity } from '../../src/domain/check-integrity.ts';
import { corpusAvailable } from '../../../test/support/corpus.ts';
import {
  conformingAttributes,
  element,
  encapsulatedImage,
  encapsulatedPixels,
  imagePixelAttributes,
  item,
  nativeImage,
  part10,
  UNDEFINED,
  us,
  withChanges,
} from '../support/fixtures.ts';
import { inspectBytes, inspectCorpus } from '../support/inspect.ts';

const codes = (findings: { code: string }[]) => findings.map((f) => f.code).sort();

describe.skipIf(!corpusAvailable)('checkIntegrity on corpus files', () => {
  it.each([
    ['invalid/single/truncated-header.dcm', ['truncated']],
    ['invalid/single/truncated-pixel-data.dcm', ['pixel-length-mismatch', 'truncated']],
    ['invalid/single-implicit-le/truncated-pixel-data.dcm', ['pixel-length-mismatch', 'truncated']],
    ['invalid/samples/MR_truncated.dcm', ['pixel-length-mismatch', 'truncated']],
    ['invalid/single/pixel-length-mismatch.dcm', ['pixel-length-mismatch']],
    ['invalid/single/length-past-eof.dcm', ['length-past-eof', 'truncated']],
    ['invalid/single/huge-length-header.dcm', ['huge-length', 'length-past-eof', 'truncated']],
    ['invalid/single-implicit-le/huge-length-header.dcm', ['huge-length', 'length-past-eof', 'truncated']],
  ])('when %s is checked, then the integrity findings are %j', async (file, expected) => {
    expect(codes(checkIntegrity(await inspectCorpus(file)))).toEqual(expected);
  });

  it.each([
    'valid/samples/CT_small.dcm',
    'valid/samples/MR_small_RLE.dcm',
    'valid/samples/JPEG2000.dcm',
    'valid/samples/SC_rgb_rle.dcm',
    'valid/samples/liver_1frame.dcm',
    'valid/samples/image_dfl.dcm',
    'valid/samples/test-SR.dcm',
    'valid/synthetic/mf-16-frames/MF_0001.dcm',
    'invalid/samples/rtdose.dcm',
  ])('when the intact %s is checked, then there is no integrity finding', async (file) => {
    expect(checkIntegrity(await inspectCorpus(file))).toEqual([]);
  });

  it('when a file is cut inside a short value, then it is only truncated, tagged with that element', async () => {
    const findings = checkIntegrity(await inspectCorpus('invalid/single/truncated-header.dcm'));
    expect(findings).toEqual([expect.objectContaining({ code: 'truncated', tag: '(0020,000D)', keyword: 'StudyInstanceUID' })]);
  });
});

describe('checkIntegrity on native Pixel Data', () => {
  it('when an odd pixel count carries one byte of padding, then that is fine (PS3.5 §7.1.1)', () => {
    expect(checkIntegrity(inspectBytes(nativeImage(3, 3, 10)))).toEqual([]);
  });

  it('when Pixel Data is one byte short of an even size, then pixel-length-mismatch', () => {
    expect(codes(checkIntegrity(inspectBytes(nativeImage(4, 4, 14))))).toEqual(['pixel-length-mismatch']);
  });

  it('when a 1-bit image packs 10 × 10 bits, then ceil(100 / 8) = 13 bytes (+1 pad) is right', () => {
    const bytes = part10([...conformingAttributes(), ...imagePixelAttributes(10, 10, 1), element('7FE00010', 'OB', Buffer.alloc(14))]);
    expect(checkIntegrity(inspectBytes(bytes))).toEqual([]);
  });

  it('when native YBR_FULL_422 Pixel Data holds Y Y Cb Cr for each pair of pixels, then 2 bytes per pixel at 8 bits are right (PS3.3 §C.7.6.3.1.2)', () => {
    const ybr = (pixelBytes: number) =>
      part10(
        withChanges([...conformingAttributes(), ...imagePixelAttributes(4, 4)], {
          '00280002': element('00280002', 'US', us(3)), // SamplesPerPixel
          '00280004': element('00280004', 'CS', 'YBR_FULL_422'), // PhotometricInterpretation
          '00280006': element('00280006', 'US', us(0)), // PlanarConfiguration
          '7FE00010': element('7FE00010', 'OB', Buffer.alloc(pixelBytes)), // PixelData
        }),
      );
    expect(checkIntegrity(inspectBytes(ybr(4 * 4 * 2)))).toEqual([]);
    expect(codes(checkIntegrity(inspectBytes(ybr(4 * 4 * 3))))).toEqual(['pixel-length-mismatch']);
  });

  it('when a short UI value declares more than 64 bytes and runs past the end, then length-past-eof as well as truncated', () => {
    const whole = part10([...conformingAttributes(), element('00081155', 'UI', '1.2.3', { length: 200 })]);
    expect(codes(checkIntegrity(inspectBytes(whole)))).toEqual(['length-past-eof', 'truncated']);
  });
});

describe('checkIntegrity on encapsulated Pixel Data', () => {
  it('when a fragment has an odd length, then encapsulation-broken', () => {
    const findings = checkIntegrity(inspectBytes(encapsulatedImage(encapsulatedPixels([Buffer.alloc(7)]))));
    expect(findings).toEqual([expect.objectContaining({ code: 'encapsulation-broken', severity: 'error', tag: '(7FE0,0010)' })]);
    expect(findings[0]?.message).toMatch(/odd length/);
  });

  it('when there are fewer fragments than frames, then an error', () => {
    const findings = checkIntegrity(inspectBytes(encapsulatedImage(encapsulatedPixels([Buffer.alloc(8)]), 2)));
    expect(findings).toEqual([expect.objectContaining({ code: 'encapsulation-broken', severity: 'error' })]);
  });

  it('when the Basic Offset Table has entries for another number of frames, then a warning', () => {
    const findings = checkIntegrity(inspectBytes(encapsulatedImage(encapsulatedPixels([Buffer.alloc(8), Buffer.alloc(8)], 3), 2)));
    expect(findings).toEqual([expect.objectContaining({ code: 'encapsulation-broken', severity: 'warning' })]);
  });

  it('when the file ends before the Sequence Delimitation Item, then truncated', () => {
    const findings = checkIntegrity(inspectBytes(encapsulatedImage(encapsulatedPixels([Buffer.alloc(8)], 0, false))));
    expect(codes(findings)).toEqual(['truncated']);
  });

  it('when the file ends inside a fragment, then truncated', () => {
    const whole = encapsulatedImage(encapsulatedPixels([Buffer.alloc(64)]));
    expect(codes(checkIntegrity(inspectBytes(whole.subarray(0, whole.length - 40))))).toEqual(['truncated']);
  });

  it('when Pixel Data has undefined length under a native transfer syntax, then encapsulation-broken', () => {
    const bytes = part10([...conformingAttributes(), ...imagePixelAttributes(4, 4), encapsulatedPixels([Buffer.alloc(16)])]);
    expect(codes(checkIntegrity(inspectBytes(bytes)))).toEqual(['encapsulation-broken']);
  });

  it('when everything is in order, then there is no finding', () => {
    expect(checkIntegrity(inspectBytes(encapsulatedImage(encapsulatedPixels([Buffer.alloc(8), Buffer.alloc(8)], 2), 2)))).toEqual([]);
  });

  it('when a fragment item has an undefined length, then encapsulation-broken (PS3.5 §A.4: items of encapsulated data have defined lengths)', () => {
    const pixels = element(
      '7FE00010',
      'OB',
      Buffer.concat([
        item(0xe000), // empty Basic Offset Table
        item(0xe000, Buffer.alloc(8), UNDEFINED), // a fragment claiming undefined length
        item(0xe0dd), // Sequence Delimitation Item
      ]),
      { length: UNDEFINED },
    );
    const findings = checkIntegrity(inspectBytes(encapsulatedImage(pixels)));
    expect(codes(findings)).toEqual(['encapsulation-broken']);
    expect(findings[0]?.message).toMatch(/undefined length/);
  });

  it('when the Basic Offset Table length is not a multiple of 4, then encapsulation-broken', () => {
    const pixels = element(
      '7FE00010',
      'OB',
      Buffer.concat([
        item(0xe000, Buffer.alloc(6)), // Basic Offset Table of 6 bytes: not whole 32-bit offsets
        item(0xe000, Buffer.alloc(8)), // one fragment
        item(0xe0dd), // Sequence Delimitation Item
      ]),
      { length: UNDEFINED },
    );
    const findings = checkIntegrity(inspectBytes(encapsulatedImage(pixels)));
    expect(codes(findings)).toEqual(['encapsulation-broken']);
    expect(findings[0]?.message).toMatch(/Basic Offset Table length 6 is not a multiple of 4/);
  });

  it('when the items stop without a Sequence Delimitation Item and other data follows, then encapsulation-broken', () => {
    const pixels = element(
      '7FE00010',
      'OB',
      Buffer.concat([
        item(0xe000), // empty Basic Offset Table
        item(0xe000, Buffer.alloc(8)), // one fragment
      ]),
      { length: UNDEFINED },
    );
    const trailer = element('FFFC0000', 'OB', Buffer.alloc(4)); // a Data Set Trailing Padding element where the delimiter belongs
    const findings = checkIntegrity(inspectBytes(Buffer.concat([encapsulatedImage(pixels), trailer])));
    expect(codes(findings)).toEqual(['encapsulation-broken']);
    expect(findings[0]?.message).toMatch(/unexpected tag \(FFFC,0000\)/);
  });

  it('when the Pixel Data of an encapsulated syntax has a defined length, then encapsulation-broken', () => {
    const bytes = part10([...conformingAttributes(), ...imagePixelAttributes(4, 4), element('7FE00010', 'OB', Buffer.alloc(16))], {
      transferSyntax: '1.2.840.10008.1.2.5',
    });
    expect(codes(checkIntegrity(inspectBytes(bytes)))).toEqual(['encapsulation-broken']);
  });
});
