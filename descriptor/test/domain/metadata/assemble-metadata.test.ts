import { expect, it } from 'vitest';
import { corpusPath } from '../../../../test/support/corpus.ts';
import { corpusSuite } from '../../../../test/support/corpus-suite.ts';
import { assembleMetadata, METADATA_SCHEMA_VERSION, type DescribedInstance } from '../../../src/domain/metadata/assemble-metadata.ts';
import { extractInstance, extractSeries, extractStudySections } from '../../../src/domain/metadata/extract-metadata.ts';
import { referenceValues } from '../../support/reference-values.ts';
import { readerFor } from '../../support/inspect-bytes.ts';

const STUDY = 'valid/synthetic/multi-series-study';
const FILES = ['MR_0002.dcm', 'CT_0003.dcm', 'MR_0001.dcm', 'CT_0001.dcm', 'MR_0003.dcm', 'CT_0002.dcm'];

function describeCorpusFile(name: string, index: number): DescribedInstance {
  const reader = readerFor(corpusPath(`${STUDY}/${name}`));
  return {
    file: `000${index + 1}.dcm`,
    path: `originals/${index}.dcm`,
    sizeBytes: 1000 + index,
    sha256: `hash-${index}`,
    series: extractSeries(reader),
    instance: extractInstance(reader),
  };
}

corpusSuite('assembleMetadata on the CT + MR study of the corpus', () => {
  const instances = FILES.map(describeCorpusFile);
  const metadata = assembleMetadata({
    studyId: '01JTESTSTUDY0000000000000A',
    createdAt: '2026-03-04T05:06:07.890Z',
    disposition: 'stored',
    sections: extractStudySections(readerFor(corpusPath(`${STUDY}/${FILES[0]}`))),
    instances,
  });

  it('when files of two series arrive shuffled, then series are grouped in SeriesNumber order with their instance counts', () => {
    const references = ['CT_0001.dcm', 'MR_0001.dcm'].map((name) => referenceValues(`${STUDY}/${name}`));
    expect(metadata.series.map((series) => series.SeriesInstanceUID)).toEqual(references.map((value) => value('SeriesInstanceUID')));
    expect(metadata.series.map((series) => series.Modality)).toEqual(references.map((value) => value('Modality')));
    expect(metadata.series.map((series) => series.numberOfInstances)).toEqual([3, 3]);
  });

  it('when instances are listed, then they follow their series, in InstanceNumber order, each with where it is stored', () => {
    const expected = ['CT_0001.dcm', 'CT_0002.dcm', 'CT_0003.dcm', 'MR_0001.dcm', 'MR_0002.dcm', 'MR_0003.dcm'].map((name) =>
      referenceValues(`${STUDY}/${name}`)('SOPInstanceUID'),
    );
    expect(metadata.instances.map((instance) => instance.SOPInstanceUID)).toEqual(expected);
    const first = metadata.instances[0]!;
    expect(first).toMatchObject({ file: '0004.dcm', path: 'originals/3.dcm', sizeBytes: 1003, sha256: 'hash-3' });
  });

  it('when the summary is built, then it counts modalities, series, instances and bytes', () => {
    expect(metadata).toMatchObject({
      schemaVersion: METADATA_SCHEMA_VERSION,
      studyId: '01JTESTSTUDY0000000000000A',
      createdAt: '2026-03-04T05:06:07.890Z',
    });
    expect(metadata.summary).toEqual({ modalities: ['CT', 'MR'], numberOfSeries: 2, numberOfInstances: 6, totalBytes: 6015 });
  });

  it('when an instance names the delivery that brought it, then its entry keeps that delivery id, and only then', () => {
    const delivered = instances.map((instance, index) =>
      index === 0 ? { ...instance, deliveryId: '01JTESTDELIVERY000000000AB' } : instance,
    );
    const joined = assembleMetadata({
      studyId: 'x',
      createdAt: 't',
      disposition: 'stored',
      sections: extractStudySections(readerFor(corpusPath(`${STUDY}/${FILES[0]}`))),
      instances: delivered,
    });
    expect(joined.instances.find((instance) => instance.file === '0001.dcm')).toMatchObject({ deliveryId: '01JTESTDELIVERY000000000AB' });
    expect(joined.instances.filter((instance) => 'deliveryId' in instance).map((instance) => instance.file)).toEqual(['0001.dcm']);
    expect(metadata.instances.some((instance) => 'deliveryId' in instance)).toBe(false);
  });
});
