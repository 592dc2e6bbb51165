import { describe, expect, it } from 'vitest';
import type { Catalogue, CatalogueInstance, StoredStudy } from '../../src/data/catalogue.ts';
import { formatKept, formatMetadata, keptOf, studyMetadata } from '../../src/archive/study-documents.ts';
import type { SeriesAttributes, StudySections } from '../../src/domain/metadata/extract-metadata.ts';
import { formatJson, PRETTY_MAX_INSTANCES } from '../../src/domain/metadata/format-json.ts';

const STUDY = '1.2.3';

function seriesAttributes(uid: string, number: number | null, modality: string): SeriesAttributes {
  return {
    SeriesInstanceUID: uid,
    SeriesNumber: number,
    SeriesDate: null,
    SeriesTime: null,
    SeriesDescription: null,
    BodyPartExamined: null,
    Modality: modality,
    SeriesDateTime: null,
  };
}

/** Three series, listed out of their SeriesNumber order; the last has no SeriesNumber. */
const SERIES = [
  seriesAttributes(`${STUDY}.2`, 2, 'CT'),
  seriesAttributes(`${STUDY}.1`, 1, 'CT'),
  seriesAttributes(`${STUDY}.9`, null, 'SR'),
];

/** A catalogue that answers only what the documents read of it: the study's series. */
const catalogue = { studySeries: () => new Map(SERIES.map((series) => [series.SeriesInstanceUID!, series])) } as unknown as Catalogue;

/**
 * `count` instances in the order they joined, spread over the series: axial slices along z (some at
 * the same place), instance numbers out of order, some absent, and ties broken by the file name; a value
 * that JSON must escape.
 */
function instancesOf(count: number): CatalogueInstance[] {
  return Array.from({ length: count }, (_, index) => {
    const series = SERIES[index % 3]!;
    const number = index % 11 === 0 ? null : (count - index) % 50;
    return {
      SOPInstanceUID: `${STUDY}.${index}`,
      StudyInstanceUID: STUDY,
      SeriesInstanceUID: series.SeriesInstanceUID!,
      deliveryId: `01J${String(index % 17).padStart(3, '0')}`,
      file: `${String((index % 5) + 1).padStart(4, '0')}.dcm`,
      path: `originals/${STUDY}.${index}.dcm`,
      sizeBytes: 1000 + index,
      sha256: index.toString(16).padStart(64, '0'),
      transferSyntax: '1.2.840.10008.1.2.1',
      attributes: {
        SOPClassUID: '1.2.840.10008.5.1.4.1.1.2',
        SOPInstanceUID: `${STUDY}.${index}`,
        InstanceNumber: number,
        Rows: 64,
        Columns: 64,
        BitsAllocated: 16,
        BitsStored: 12,
        PhotometricInterpretation: index % 13 === 0 ? 'a "quoted" value\twith a tab' : 'MONOCHROME2',
        NumberOfFrames: null,
        PixelSpacing: [0.5, 0.5],
        SliceThickness: 1,
        ImagePositionPatient: [-100, -100, Math.floor(index / 2) * 1.25],
        ImageOrientationPatient: [1, 0, 0, 0, 1, 0],
        SliceLocation: Math.floor(index / 2) * 1.25,
        AcquisitionDateTime: null,
        TransferSyntaxUID: '1.2.840.10008.1.2.1',
      },
      summary: {},
    } as unknown as CatalogueInstance;
  });
}

const study = {
  StudyInstanceUID: STUDY,
  state: 'receiving',
  createdAt: '2026-12-07T00:00:00.000Z',
  updatedAt: '2026-12-07T00:01:00.000Z',
  sections: { patient: { PatientID: 'P1' }, study: { StudyInstanceUID: STUDY } } as unknown as StudySections,
} as StoredStudy;

/** The document as one string: formatJson of the whole metadata, as it was written before it came in parts. */
const whole = (instances: CatalogueInstance[]) => formatJson(studyMetadata(catalogue, study, instances), instances.length);
const kept = (instances: CatalogueInstance[]) => instances.map((instance) => keptOf(instance, catalogue.studySeries(STUDY)));

describe('metadata.json in parts', () => {
  it('when the study is small, then it is the pretty document formatJson writes', () => {
    const instances = instancesOf(PRETTY_MAX_INSTANCES);
    expect([...formatMetadata(studyMetadata(catalogue, study, instances))].join('')).toBe(whole(instances));
  });

  it('when the study is large, then the parts join into the compact document, a part at most 256 instances', () => {
    const instances = instancesOf(1000);
    const parts = [...formatMetadata(studyMetadata(catalogue, study, instances))];
    expect(parts.join('')).toBe(whole(instances));
    // The head and the tail of the document, and the instances 256 at a time.
    expect(parts).toHaveLength(2 + Math.ceil(1000 / 256));
  });

  it('when a large study is written from the instances kept between rewrites, then it is byte for byte the same document, also once it grew', () => {
    const instances = instancesOf(PRETTY_MAX_INSTANCES + 400);
    const first = kept(instances.slice(0, PRETTY_MAX_INSTANCES + 20));
    expect([...formatKept(study, first)].join('')).toBe(whole(instances.slice(0, PRETTY_MAX_INSTANCES + 20)));
    const grown = [...first, ...kept(instances.slice(PRETTY_MAX_INSTANCES + 20))];
    const text = [...formatKept(study, grown)].join('');
    expect(text).toBe(whole(instances));
    const document = JSON.parse(text) as { series: { numberOfInstances: number; slices: unknown }[]; deliveries: string[] };
    expect(document.series.map((series) => series.numberOfInstances)).toEqual([167, 167, 166]);
    expect(document.series[0]!.slices).toMatchObject({ source: 'ImagePositionPatient' });
    expect(document.deliveries).toHaveLength(17);
  });
});
