import { describe, expect, it } from 'vitest';
import type { ImagingStudy, Patient } from 'fhir/r4.js';
import { corpusPath } from '../../../../test/support/corpus.ts';
import { corpusSuite } from '../../../../test/support/corpus-suite.ts';
import { element, minimalDataset, part10 } from '../../../../test/support/dicom-bytes.ts';
import { assembleMetadata, type StudyMetadata } from '../../../src/domain/metadata/assemble-metadata.ts';
import { buildFhirBundle, fhirDateTime } from '../../../src/domain/fhir/build-fhir-bundle.ts';
import { extractInstance, extractSeries, extractStudySections } from '../../../src/domain/metadata/extract-metadata.ts';
import { fhirR4Validator, schemaErrors } from '../../support/fhir-schema.ts';
import { readerFor } from '../../support/inspect-bytes.ts';
import { referenceValues } from '../../support/reference-values.ts';

const STUDY_ID = '01JTESTSTUDY0000000000000A';

/** metadata.json of the given files, as the descriptor assembles it. */
function metadataOf(files: readonly (string | Buffer)[]): StudyMetadata {
  const readers = files.map((file) => readerFor(file));
  return assembleMetadata({
    studyId: STUDY_ID,
    createdAt: '2026-03-04T05:06:07.890Z',
    disposition: 'stored',
    sections: extractStudySections(readers[0]!),
    instances: readers.map((reader, index) => ({
      file: `${String(index + 1).padStart(4, '0')}.dcm`,
      path: `originals/${index}.dcm`,
      sizeBytes: 1000,
      sha256: `hash-${index}`,
      series: extractSeries(reader),
      instance: extractInstance(reader),
    })),
  });
}

const resources = (metadata: StudyMetadata) => {
  const bundle = buildFhirBundle(metadata);
  return { bundle, patient: bundle.entry![0]!.resource as Patient, study: bundle.entry![1]!.resource as ImagingStudy };
};

describe('buildFhirBundle', () => {
  const validate = fhirR4Validator();

  it('when the schema validator meets a broken resource, then it says so (the check below is not vacuous)', () => {
    expect(validate({ resourceType: 'ImagingStudy', status: 'finished', subject: { reference: 'Patient/1' } })).toBe(false);
    expect(validate({ resourceType: 'Patient', gender: 'M' })).toBe(false);
    expect(
      validate({ resourceType: 'Bundle', type: 'transaction', entry: [{ resource: { resourceType: 'Patient', birthDate: '2004-1-19' } }] }),
    ).toBe(false);
  });

  corpusSuite('on the CT + MR study of the corpus', () => {
    const STUDY = 'valid/synthetic/multi-series-study';
    const names = ['CT_0001.dcm', 'CT_0002.dcm', 'CT_0003.dcm', 'MR_0001.dcm', 'MR_0002.dcm', 'MR_0003.dcm'];
    const metadata = metadataOf(names.map((name) => corpusPath(`${STUDY}/${name}`)));
    const { bundle, patient, study } = resources(metadata);
    const value = referenceValues(`${STUDY}/CT_0001.dcm`);

    it('when the bundle is built, then it is valid against the FHIR R4 JSON schema', () => {
      const valid = validate(bundle);
      expect(schemaErrors(validate.errors)).toEqual([]);
      expect(valid).toBe(true);
    });

    it("when the bundle is built, then it is a transaction of a Patient and an ImagingStudy whose subject is the Patient's urn:uuid", () => {
      expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'transaction' });
      expect(bundle.entry!.map((entry) => entry.request)).toEqual([
        { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${encodeURIComponent(value('PatientID'))}` },
        // A conditional update: the study grows with each delivery, and each stable study sends it again.
        { method: 'PUT', url: `ImagingStudy?identifier=${encodeURIComponent(`urn:dicom:uid|urn:oid:${value('StudyInstanceUID')}`)}` },
      ]);
      expect(bundle.entry![0]!.fullUrl).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(study.subject).toEqual({ reference: bundle.entry![0]!.fullUrl });
      expect(buildFhirBundle(metadata)).toEqual(bundle);
    });

    it('when the ImagingStudy is read, then it names the study by UID and accession number, with counts and modalities', () => {
      expect(study.status).toBe('available');
      expect(study.identifier).toEqual([
        { system: 'urn:dicom:uid', value: `urn:oid:${value('StudyInstanceUID')}` },
        { type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'ACSN' }] }, value: value('AccessionNumber') },
      ]);
      expect(study).toMatchObject({ numberOfSeries: 2, numberOfInstances: 6 });
      expect(study.modality).toEqual(['CT', 'MR'].map((code) => ({ system: 'http://dicom.nema.org/resources/ontology/DCM', code })));
    });

    it('when the series are read, then each has its uid, number, modality, count and instances with SOP Class as urn:oid', () => {
      const mr = referenceValues(`${STUDY}/MR_0001.dcm`);
      expect(study.series!.map((series) => [series.uid, series.number, series.modality.code, series.numberOfInstances])).toEqual([
        [value('SeriesInstanceUID'), Number(value('SeriesNumber')), 'CT', 3],
        [mr('SeriesInstanceUID'), Number(mr('SeriesNumber')), 'MR', 3],
      ]);
      expect(study.series![0]!.instance![0]).toEqual({
        uid: value('SOPInstanceUID'),
        sopClass: { system: 'urn:ietf:rfc:3986', code: 'urn:oid:1.2.840.10008.5.1.4.1.1.2' },
        number: Number(value('InstanceNumber')),
      });
    });

    it('when the Patient is read, then it carries the ID, name parts, sex and birth date', () => {
      const [family, given] = value('PatientName').split('^');
      expect(patient.identifier).toEqual([{ value: value('PatientID') }]);
      expect(patient.name).toEqual([{ family, given: [given] }]);
      expect(patient.gender).toBe({ M: 'male', F: 'female', O: 'other' }[value('PatientSex')]);
      expect(patient.birthDate).toBe(
        `${value('PatientBirthDate').slice(0, 4)}-${value('PatientBirthDate').slice(4, 6)}-${value('PatientBirthDate').slice(6)}`,
      );
    });
  });

  corpusSuite('on CT_small.dcm, whose times have an offset (-0500)', () => {
    const { bundle, study } = resources(metadataOf([corpusPath('valid/samples/CT_small.dcm')]));

    it('when started is written, then it is the study date and time with seconds and the offset, and the bundle is valid', () => {
      expect(study.started).toBe('2004-01-19T07:27:30-05:00');
      expect(study.series![0]!.started).toBe('1997-04-30T11:27:49-05:00');
      expect(validate(bundle), schemaErrors(validate.errors).join('\n')).toBe(true);
    });
  });

  describe('on hand-built files', () => {
    it('when the name has three groups, a body part and a prefix, and no offset is known, then the bundle says so validly', () => {
      const name = Buffer.from('Yamada^Tarou^^Dr=山田^太郎=やまだ^たろう', 'utf8');
      const file = part10(
        minimalDataset([
          element('00080005', 'CS', 'ISO_IR 192'),
          element('00100010', 'PN', Buffer.concat([name, Buffer.alloc(name.length % 2, 0x20)])),
          element('00100020', 'LO', 'PAT 1&2'),
          element('00100021', 'LO', 'Hospital A'),
          element('00100040', 'CS', 'X'),
          element('00080020', 'DA', '20240229'),
          element('00080030', 'TM', '1425'),
          element('00180015', 'CS', 'CHEST'),
          element('00200011', 'IS', '-1'),
        ]),
      );
      const { bundle, patient, study } = resources(metadataOf([file]));
      expect(validate(bundle), schemaErrors(validate.errors).join('\n')).toBe(true);
      expect(patient.name).toEqual([
        { family: 'Yamada', given: ['Tarou'], prefix: ['Dr'] },
        {
          extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation', valueCode: 'IDE' }],
          family: '山田',
          given: ['太郎'],
        },
        {
          extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation', valueCode: 'SYL' }],
          family: 'やまだ',
          given: ['たろう'],
        },
      ]);
      expect(patient.identifier).toEqual([{ value: 'PAT 1&2', assigner: { display: 'Hospital A' } }]);
      expect(bundle.entry![0]!.request!.ifNoneExist).toBe('identifier=PAT%201%262');
      expect(patient.gender).toBeUndefined();
      // No offset: the time is left out rather than placed in a zone it may not be in.
      expect(study.started).toBe('2024-02-29');
      expect(study.series![0]).toMatchObject({ bodySite: { display: 'CHEST' } });
      expect(study.series![0]!.number).toBeUndefined();
    });
  });
});

describe('fhirDateTime', () => {
  it.each([
    ['2004-01-19T07:27:30-05:00', '2004-01-19T07:27:30-05:00'],
    ['2004-01-19T07:27-05:00', '2004-01-19T07:27:00-05:00'],
    ['2004-01-19T07-05:00', '2004-01-19T07:00:00-05:00'],
    ['2004-01-19T07:27:30.123456+14:00', '2004-01-19T07:27:30.123456+14:00'],
    ['2004-01-19T07:27:30', '2004-01-19'],
    ['2004-01-19', '2004-01-19'],
    [null, null],
  ])('when metadata says %j, then FHIR gets %j', (input, expected) => {
    expect(fhirDateTime(input)).toBe(expected);
  });
});
