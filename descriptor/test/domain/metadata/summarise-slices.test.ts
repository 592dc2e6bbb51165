import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { corpusAvailable, corpusPath, entryFiles, loadManifest } from '../../../../test/support/corpus.ts';
import { assembleMetadata } from '../../../src/domain/metadata/assemble-metadata.ts';
import { extractInstance, extractSeries, extractStudySections } from '../../../src/domain/metadata/extract-metadata.ts';
import { summariseSlices, type SliceGeometry } from '../../../src/domain/metadata/summarise-slices.ts';
import { readerFor } from '../../support/inspect-bytes.ts';
import { referenceValues } from '../../support/reference-values.ts';

const AXIAL = [1, 0, 0, 0, 1, 0];
const slice = (position: number[] | null, orientation: number[] | null = AXIAL, location: number | null = null): SliceGeometry => ({
  ImagePositionPatient: position,
  ImageOrientationPatient: orientation,
  SliceLocation: location,
});

describe('summariseSlices', () => {
  it('when axial slices are evenly spaced, then the range is along z and the spacing is the gap', () => {
    const slices = [3, 0, 1.5, 4.5].map((z) => slice([-100, -100, z]));
    expect(summariseSlices(slices)).toEqual({
      source: 'ImagePositionPatient',
      positions: 4,
      min: 0,
      max: 4.5,
      spacing: 1.5,
      minSpacing: 1.5,
      maxSpacing: 1.5,
    });
  });

  it('when the planes are oblique, then positions are measured along their normal, not along z', () => {
    // Rows along x, columns along (0, cos 30°, -sin 30°): the normal is (0, sin 30°, cos 30°).
    const c = Math.cos(Math.PI / 6);
    const s = Math.sin(Math.PI / 6);
    const orientation = [1, 0, 0, 0, c, -s];
    const slices = [0, 2, 4].map((d) => slice([10, d * s, d * c], orientation));
    expect(summariseSlices(slices)).toMatchObject({ source: 'ImagePositionPatient', min: 0, max: 4, spacing: 2 });
  });

  it('when the gaps differ, then there is no spacing but the smallest and largest gap', () => {
    const slices = [0, 1, 2, 5].map((z) => slice([0, 0, z]));
    expect(summariseSlices(slices)).toMatchObject({ positions: 4, min: 0, max: 5, spacing: null, minSpacing: 1, maxSpacing: 3 });
  });

  it('when several instances lie at one position (echoes, phases), then it counts once', () => {
    const slices = [0, 0, 2, 2.004, 4].map((z) => slice([0, 0, z]));
    expect(summariseSlices(slices)).toMatchObject({ positions: 3, spacing: 2 });
  });

  it('when a localizer is among axial slices, then the planes are not parallel and Slice Location is used', () => {
    const slices = [slice([0, 0, 0], AXIAL, 0), slice([0, 0, 5], AXIAL, 5), slice([0, 0, 0], [0, 1, 0, 0, 0, -1], 2.5)];
    expect(summariseSlices(slices)).toMatchObject({ source: 'SliceLocation', positions: 3, min: 0, max: 5, spacing: 2.5 });
  });

  it('when an instance has neither geometry nor Slice Location, then there is no slice range', () => {
    expect(summariseSlices([slice([0, 0, 0]), slice(null, null, null)])).toBeNull();
    expect(summariseSlices([])).toBeNull();
  });

  it('when there is one slice, then min equals max and there is no spacing', () => {
    expect(summariseSlices([slice([0, 0, -77.2])])).toEqual({
      source: 'ImagePositionPatient',
      positions: 1,
      min: -77.2,
      max: -77.2,
      spacing: null,
      minSpacing: null,
      maxSpacing: null,
    });
  });
});

describe.skipIf(!corpusAvailable)('series aggregates of corpus studies (metadata.json series[])', () => {
  const metadataOf = (files: string[]) => {
    const readers = files.map((file) => readerFor(file));
    return assembleMetadata({
      studyId: '01JTESTSTUDY0000000000000A',
      createdAt: '2026-03-04T05:06:07.890Z',
      disposition: 'stored',
      sections: extractStudySections(readers[0]!),
      instances: readers.map((reader, index) => ({
        file: `${index}.dcm`,
        path: `originals/${index}.dcm`,
        sizeBytes: statSync(files[index]!).size,
        sha256: 'x',
        series: extractSeries(reader),
        instance: extractInstance(reader),
      })),
    });
  };
  const study = (relative: string) => entryFiles(loadManifest().find((entry) => entry.path === relative)!);

  it('when the 20 CT slices of ct-512-explicit-le are described, then the series spans their z positions 2.5 mm apart', () => {
    const files = study('valid/synthetic/ct-512-explicit-le');
    const z = files.map((file) => Number(referenceValues(file.slice(corpusPath('').length))('ImagePositionPatient').split('\\')[2]));
    const metadata = metadataOf(files);
    expect(metadata.series).toHaveLength(1);
    expect(metadata.series[0]).toMatchObject({
      numberOfInstances: 20,
      // + 0: the first slice is at z = -0.0, which JSON writes as 0.
      slices: {
        source: 'ImagePositionPatient',
        positions: 20,
        min: Math.min(...z),
        max: Math.max(...z) + 0,
        spacing: 2.5,
        minSpacing: 2.5,
        maxSpacing: 2.5,
      },
    });
  });

  it('when the four pcir-ct-head slices are described, then their uneven gaps give a range without one spacing', () => {
    const files = study('valid/studies/pcir-ct-head');
    const z = files.map((file) => Number(referenceValues(file.slice(corpusPath('').length))('SliceLocation')));
    const series = metadataOf(files).series[0]!;
    expect(series.slices).toMatchObject({
      source: 'ImagePositionPatient',
      positions: 4,
      min: Math.min(...z),
      max: Math.max(...z),
      spacing: null,
      minSpacing: 1.25,
    });
    expect(series.slices!.maxSpacing).toBeCloseTo(103.02 - -99.48, 3);
  });

  it('when a study of two series is described, then each series has its instance count and bytes, and the study its total size', () => {
    const files = study('valid/synthetic/multi-series-study');
    const metadata = metadataOf(files);
    const bytes = files.map((file) => statSync(file).size);
    expect(metadata.series.map((series) => series.numberOfInstances)).toEqual([3, 3]);
    expect(metadata.series.reduce((sum, series) => sum + series.sizeBytes, 0)).toBe(bytes.reduce((sum, size) => sum + size, 0));
    expect(metadata.summary.totalBytes).toBe(bytes.reduce((sum, size) => sum + size, 0));
  });

  it('when a single multi-frame image without a plane per file is described, then its series has no slice range', () => {
    const metadata = metadataOf([corpusPath('valid/synthetic/mf-16-frames/MF_0001.dcm')]);
    expect(metadata.series[0]!.slices).toBeNull();
  });
});
