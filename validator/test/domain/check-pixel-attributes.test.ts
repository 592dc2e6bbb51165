import { describe, expect, it } from 'vitest';
import { checkPixelAttributes } from '../../src/domain/check-pixel-attributes.ts';
import { validateFile } from '../../src/domain/validate-file.ts';
import { corpusAvailable, corpusPath, loadManifest } from '../../../test/support/corpus.ts';
import { conformingAttributes, element, part10, secondaryCaptureImage, us } from '../support/fixtures.ts';
import { inspectBytes, inspectFile, projectConfig } from '../support/inspect.ts';

const check = (changes: Record<string, Buffer | null>) => checkPixelAttributes(inspectBytes(secondaryCaptureImage(changes)));
const summary = (findings: { code: string; keyword?: string; severity: string }[]) =>
  findings.map((f) => `${f.severity} ${f.code} ${f.keyword}`);
const ushort = (tag: string, value: number) => ({ [tag]: element(tag, 'US', us(value)) });

describe('checkPixelAttributes', () => {
  it('when the pixel description is whole and agrees, then there is no finding', () => {
    expect(check({})).toEqual([]);
  });

  it('when the data set has no Pixel Data, then it is not an image and nothing is asked', () => {
    expect(checkPixelAttributes(inspectBytes(part10(conformingAttributes())))).toEqual([]);
  });

  it.each([
    ['00280010', 'Rows'],
    ['00280100', 'BitsAllocated'],
    ['00280004', 'PhotometricInterpretation'],
    ['00280103', 'PixelRepresentation'],
  ])('when Pixel Data comes without %s (%s), then missing-type1 is an error whatever the SOP Class', (tag, keyword) => {
    expect(summary(check({ [tag]: null }))).toEqual([`error missing-type1 ${keyword}`]);
  });

  it('when BitsStored is more than BitsAllocated, then inconsistent-pixel-attributes', () => {
    const findings = check(ushort('00280101', 12));
    expect(summary(findings)).toEqual(['error inconsistent-pixel-attributes BitsStored', 'error inconsistent-pixel-attributes HighBit']);
    expect(findings[0]?.message).toBe('BitsStored 12 is not between 1 and BitsAllocated 8 (PS3.3 §C.7.6.3)');
  });

  it('when HighBit is not BitsStored - 1 but fits, then a warning; when it does not fit, an error', () => {
    const sixteen = { ...ushort('00280100', 16), ...ushort('00280101', 12), '7FE00010': element('7FE00010', 'OW', Buffer.alloc(8)) };
    expect(summary(check({ ...sixteen, ...ushort('00280102', 11) }))).toEqual([]);
    expect(summary(check({ ...sixteen, ...ushort('00280102', 15) }))).toEqual(['warning inconsistent-pixel-attributes HighBit']);
    expect(summary(check({ ...sixteen, ...ushort('00280102', 16) }))).toEqual(['error inconsistent-pixel-attributes HighBit']);
  });

  it('when BitsAllocated is neither 1 nor a multiple of 8, then an error', () => {
    expect(summary(check({ ...ushort('00280100', 12), ...ushort('00280101', 12), ...ushort('00280102', 11) }))).toEqual([
      'error inconsistent-pixel-attributes BitsAllocated',
    ]);
  });

  it('when PixelRepresentation is 2, then bad-enum', () => {
    expect(summary(check(ushort('00280103', 2)))).toEqual(['error bad-enum PixelRepresentation']);
  });

  it('when SamplesPerPixel disagrees with the Photometric Interpretation, then an error naming both', () => {
    const findings = check({ '00280004': element('00280004', 'CS', 'RGB') });
    expect(summary(findings)).toEqual(['error inconsistent-pixel-attributes SamplesPerPixel']);
    expect(findings[0]?.message).toMatch(/SamplesPerPixel is 1 but PhotometricInterpretation RGB has 3 samples per pixel/);
  });

  it('when three samples come without PlanarConfiguration, then missing-type1c; with 2, bad-enum', () => {
    const rgb = {
      ...ushort('00280002', 3),
      '00280004': element('00280004', 'CS', 'RGB'),
      '7FE00010': element('7FE00010', 'OB', Buffer.alloc(12)),
    };
    expect(summary(check(rgb))).toEqual(['error missing-type1c PlanarConfiguration']);
    expect(summary(check({ ...rgb, ...ushort('00280006', 2) }))).toEqual(['error bad-enum PlanarConfiguration']);
    expect(check({ ...rgb, ...ushort('00280006', 0) })).toEqual([]);
  });

  it('when PALETTE COLOR comes without its descriptors, then missing-type1c', () => {
    expect(summary(check({ '00280004': element('00280004', 'CS', 'PALETTE COLOR') }))).toEqual([
      'error missing-type1c RedPaletteColorLookupTableDescriptor',
    ]);
  });

  it('when Rows is 0 or NumberOfFrames is not a whole positive number, then errors', () => {
    expect(summary(check({ ...ushort('00280010', 0), '7FE00010': element('7FE00010', 'OB', Buffer.alloc(0)) }))).toEqual([
      'error inconsistent-pixel-attributes Rows',
    ]);
    expect(summary(check({ '00280008': element('00280008', 'IS', '0') }))).toEqual(['error inconsistent-pixel-attributes NumberOfFrames']);
  });

  it('when validateFile reports the pixel description, then the IOD table does not report it again', () => {
    const result = validateFile(inspectBytes(secondaryCaptureImage({ '00280010': null })), '0001.dcm', projectConfig());
    expect([...result.errors, ...result.warnings].filter((f) => f.keyword === 'Rows').map((f) => f.code)).toEqual(['missing-type1']);
  });

  it.skipIf(!corpusAvailable)('when every readable valid corpus file is checked, then no pixel description error', async () => {
    const files = loadManifest()
      .filter((entry) => entry.expected === 'valid' && entry.kind === 'file')
      .map((entry) => corpusPath(entry.path));
    for (const file of files) {
      const errors = checkPixelAttributes(await inspectFile(file)).filter((f) => f.severity === 'error');
      expect(errors, file).toEqual([]);
    }
  });
});
