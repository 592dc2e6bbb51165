import type { ElementReader } from '@dsv/common';

/**
 * The length of native Pixel Data from the Image Pixel Module (PS3.3 §C.7.6.3, PS3.5 §8.1.1):
 * Rows × Columns × Samples per Pixel × Number of Frames × Bits Allocated / 8, bits packed without gaps
 * (so 1-bit segmentations take ceil(bits / 8) bytes). Undefined when an attribute it needs is missing.
 * YBR_FULL_422 keeps its chrominance for every other pixel only (PS3.3 §C.7.6.3.1.2: Y Y Cb Cr for two
 * pixels), so its three samples take the room of two.
 */
export function expectedPixelLength(reader: ElementReader): number | undefined {
  const rows = reader.number('Rows');
  const columns = reader.number('Columns');
  const bitsAllocated = reader.number('BitsAllocated');
  if (rows === undefined || columns === undefined || bitsAllocated === undefined) return undefined;
  const declaredSamples = reader.number('SamplesPerPixel') ?? 1;
  const samples = declaredSamples === 3 && reader.text('PhotometricInterpretation') === 'YBR_FULL_422' ? 2 : declaredSamples;
  // PS3.3 §C.7.6.6: Number of Frames is absent for single-frame images.
  const frames = reader.number('NumberOfFrames') ?? 1;
  const bits = rows * columns * samples * frames * bitsAllocated;
  return Number.isFinite(bits) && bits >= 0 ? Math.ceil(bits / 8) : undefined;
}

/** PS3.5 §7.1.1: a value field has even length, so an odd pixel count may carry one byte of padding. */
export function matchesPixelLength(length: number, expected: number): boolean {
  return length === expected || (expected % 2 === 1 && length === expected + 1);
}
