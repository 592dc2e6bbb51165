import { ElementReader, Tag, type Finding, type Inspection, type TagKeyword } from '@dsv/common';
import { makeFinding } from './make-finding.ts';

/** PS3.3 §C.7.6.3.1.2: how many samples each Photometric Interpretation has per pixel. */
const SAMPLES_FOR: Readonly<Record<string, number>> = {
  MONOCHROME1: 1,
  MONOCHROME2: 1,
  'PALETTE COLOR': 1,
  RGB: 3,
  HSV: 3,
  YBR_FULL: 3,
  YBR_FULL_422: 3,
  YBR_PARTIAL_420: 3,
  YBR_PARTIAL_422: 3,
  YBR_ICT: 3,
  YBR_RCT: 3,
  XYB: 3,
  ARGB: 4,
  CMYK: 4,
};

/** Without these the bytes of Pixel Data cannot be turned into pixels (PS3.3 §C.7.6.3, PS3.5 §8). */
const DESCRIPTION: readonly TagKeyword[] = [
  'Rows',
  'Columns',
  'SamplesPerPixel',
  'PhotometricInterpretation',
  'BitsAllocated',
  'BitsStored',
  'HighBit',
  'PixelRepresentation',
];

const SECTION = 'PS3.3 §C.7.6.3';

/**
 * Do the Image Pixel attributes describe Pixel Data that can be read: all there, and agreeing with each other?
 * Errors whatever the SOP Class, because a viewer cannot show the image otherwise. The length of native
 * Pixel Data against them is the integrity check's; the frame count against the encapsulated fragments too.
 */
export function checkPixelAttributes(inspection: Inspection): Finding[] {
  const parsed = inspection.parsed;
  if (!parsed || !(inspection.pixelData !== null || parsed.dataset.has(Tag.PixelData))) return [];
  const reader = new ElementReader(parsed);
  const findings: Finding[] = [];
  const inconsistent = (keyword: TagKeyword, message: string, severity: 'error' | 'warning' = 'error'): void => {
    const cited = message.endsWith(')') ? message : `${message} (${SECTION})`;
    findings.push(makeFinding('inconsistent-pixel-attributes', cited, { tag: Tag[keyword], severity }));
  };

  for (const keyword of DESCRIPTION) {
    if (!reader.has(keyword)) {
      findings.push(
        makeFinding(
          'missing-type1',
          `Pixel Data is present but ${keyword} is absent: the pixels cannot be read (Image Pixel Module, ${SECTION})`,
          { tag: Tag[keyword], severity: 'error' },
        ),
      );
    }
  }

  const rows = reader.number('Rows');
  const columns = reader.number('Columns');
  const samples = reader.number('SamplesPerPixel');
  const photometric = reader.text('PhotometricInterpretation');
  const allocated = reader.number('BitsAllocated');
  const stored = reader.number('BitsStored');
  const highBit = reader.number('HighBit');
  const representation = reader.number('PixelRepresentation');
  const planar = reader.number('PlanarConfiguration');
  const frames = reader.number('NumberOfFrames');

  if (rows === 0) inconsistent('Rows', 'Rows is 0: an image has at least one row');
  if (columns === 0) inconsistent('Columns', 'Columns is 0: an image has at least one column');
  if (allocated !== undefined && allocated !== 1 && (allocated === 0 || allocated % 8 !== 0)) {
    inconsistent('BitsAllocated', `BitsAllocated is ${allocated}: it is 1 or a multiple of 8 (PS3.5 §8.1.1)`);
  }
  if (stored !== undefined && allocated !== undefined && (stored === 0 || stored > allocated)) {
    inconsistent('BitsStored', `BitsStored ${stored} is not between 1 and BitsAllocated ${allocated}`);
  }
  if (highBit !== undefined && stored !== undefined && allocated !== undefined) {
    if (highBit >= allocated || highBit + 1 < stored) {
      inconsistent('HighBit', `HighBit ${highBit} does not fit BitsStored ${stored} in BitsAllocated ${allocated}`);
    } else if (highBit !== stored - 1) {
      // PS3.5 §8.1.1 once allowed the stored bits anywhere in the cell; current IODs want them at the bottom.
      inconsistent('HighBit', `HighBit ${highBit} is not BitsStored - 1 (${stored - 1})`, 'warning');
    }
  }
  if (representation !== undefined && representation !== 0 && representation !== 1) {
    findings.push(
      makeFinding('bad-enum', `PixelRepresentation ${representation} is neither 0 (unsigned) nor 1 (two's complement) (${SECTION})`, {
        tag: Tag.PixelRepresentation,
      }),
    );
  }
  const expectedSamples = photometric === undefined ? undefined : SAMPLES_FOR[photometric];
  if (samples !== undefined && expectedSamples !== undefined && samples !== expectedSamples) {
    inconsistent(
      'SamplesPerPixel',
      `SamplesPerPixel is ${samples} but PhotometricInterpretation ${photometric} has ${expectedSamples} sample${expectedSamples === 1 ? '' : 's'} per pixel`,
    );
  }
  if (samples !== undefined && samples > 1) {
    if (planar === undefined) {
      findings.push(
        makeFinding(
          'missing-type1c',
          `PlanarConfiguration is absent with SamplesPerPixel ${samples}: the order of the samples is unknown (${SECTION}, Type 1C)`,
          { tag: Tag.PlanarConfiguration, severity: 'error' },
        ),
      );
    } else if (planar !== 0 && planar !== 1) {
      findings.push(
        makeFinding('bad-enum', `PlanarConfiguration ${planar} is neither 0 (color-by-pixel) nor 1 (color-by-plane) (${SECTION})`, {
          tag: Tag.PlanarConfiguration,
        }),
      );
    }
  }
  if (photometric === 'PALETTE COLOR' && !reader.has('RedPaletteColorLookupTableDescriptor')) {
    findings.push(
      makeFinding(
        'missing-type1c',
        `PhotometricInterpretation is PALETTE COLOR but the palette descriptors are absent: the colors are unknown (${SECTION}, Type 1C)`,
        { tag: Tag.RedPaletteColorLookupTableDescriptor, severity: 'error' },
      ),
    );
  }
  if (reader.has('NumberOfFrames') && (frames === undefined || frames < 1 || !Number.isInteger(frames))) {
    inconsistent('NumberOfFrames', 'NumberOfFrames is not a whole number of 1 or more (PS3.3 §C.7.6.6)');
  }
  const perFrame = parsed.dataset.get(Tag.PerFrameFunctionalGroupsSequence)?.items?.length;
  if (perFrame !== undefined && perFrame !== (frames ?? 1)) {
    // A nit for a viewer that reads frames by the count; real Segmentation samples carry it.
    inconsistent(
      'PerFrameFunctionalGroupsSequence',
      `PerFrameFunctionalGroupsSequence has ${perFrame} item${perFrame === 1 ? '' : 's'} for ${frames ?? 1} frame${(frames ?? 1) === 1 ? '' : 's'} (PS3.3 §C.7.6.16)`,
      'warning',
    );
  }
  return findings;
}
