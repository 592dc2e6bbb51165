import { describe, expect, it } from 'vitest';
import { TransferSyntax } from '@dsv/common';
import { corpusAvailable, corpusPath } from '../../../test/support/corpus.ts';
import { element, minimalDataset, part10 } from '../../../test/support/dicom-bytes.ts';
import { extractInstance, extractSeries, extractStudySections } from '../../src/domain/extract-metadata.ts';
import { referenceValues } from '../support/reference-values.ts';
import { readerFor } from '../support/inspect-bytes.ts';

const CT_SMALL = 'valid/samples/CT_small.dcm';

/** The reference's DA/TM text, rearranged the ISO 8601 way the test expects. */
const isoDate = (da: string): string => `${da.slice(0, 4)}-${da.slice(4, 6)}-${da.slice(6, 8)}`;
const isoTime = (tm: string): string => `${tm.slice(0, 2)}:${tm.slice(2, 4)}:${tm.slice(4, 6)}`;

describe.skipIf(!corpusAvailable)('extract metadata from CT_small.dcm, checked against its dcmdump reference', () => {
  const value = referenceValues(CT_SMALL);
  const reader = readerFor(corpusPath(CT_SMALL));
  const sections = extractStudySections(reader);

  it('when the patient section is read, then ID, name, sex and age match dcmdump, and the empty birth date is null', () => {
    const [family, given] = value('PatientName').split('^');
    expect(sections.patient.PatientID).toBe(value('PatientID'));
    expect(sections.patient.PatientName?.alphabetic).toMatchObject({ familyName: family, givenName: given });
    expect(sections.patient.PatientSex).toBe(value('PatientSex'));
    expect(sections.patient.PatientAge).toEqual({ value: Number(value('PatientAge').slice(0, 3)), unit: 'years' });
    expect(value('PatientBirthDate')).toBe('');
    expect(sections.patient.PatientBirthDate).toBeNull();
  });

  it('when the study section is read, then UIDs and text match and the date and time are ISO 8601', () => {
    expect(sections.study.StudyInstanceUID).toBe(value('StudyInstanceUID'));
    expect(sections.study.StudyID).toBe(value('StudyID'));
    expect(sections.study.StudyDate).toBe(isoDate(value('StudyDate')));
    expect(sections.study.StudyTime).toBe(isoTime(value('StudyTime')));
    expect(sections.study.StudyDescription).toBe(value('StudyDescription'));
    expect(sections.study.TimezoneOffsetFromUTC).toBe(`${value('TimezoneOffsetFromUTC').slice(0, 3)}:${value('TimezoneOffsetFromUTC').slice(3)}`);
    // Present but empty in the file (dcmdump: no value): null, never '' or "undefined".
    expect(value('AccessionNumber')).toBe('');
    expect(sections.study.AccessionNumber).toBeNull();
    expect(sections.study.ReferringPhysicianName).toBeNull();
  });

  it('when equipment and institution are read, then they match dcmdump', () => {
    expect(sections.equipment).toMatchObject({
      Manufacturer: value('Manufacturer'),
      ManufacturerModelName: value('ManufacturerModelName'),
      StationName: value('StationName'),
      SoftwareVersions: value('SoftwareVersions').split('\\'),
      DeviceSerialNumber: null,
    });
    expect(sections.institution.InstitutionName).toBe(value('InstitutionName'));
  });

  it('when exposure is read, then the DS and IS strings are numbers equal to dcmdump', () => {
    for (const keyword of ['KVP', 'ExposureTime', 'XRayTubeCurrent', 'Exposure', 'DistanceSourceToDetector', 'DistanceSourceToPatient'] as const) {
      expect(sections.exposure[keyword], keyword).toBe(Number(value(keyword)));
    }
    expect(sections.exposure.FocalSpots).toEqual([Number(value('FocalSpots'))]);
    expect(sections.exposure.CTDIvol).toBeNull();
  });

  it('when series and instance are read, then they match dcmdump, with US values and DS lists as numbers', () => {
    expect(extractSeries(reader)).toMatchObject({
      SeriesInstanceUID: value('SeriesInstanceUID'),
      SeriesNumber: Number(value('SeriesNumber')),
      SeriesDate: isoDate(value('SeriesDate')),
      Modality: value('Modality'),
      BodyPartExamined: null,
    });
    expect(extractInstance(reader)).toEqual({
      // dcmdump prints it by name, =CTImageStorage: its UID is in PS3.6 Annex A.
      SOPClassUID: '1.2.840.10008.5.1.4.1.1.2',
      SOPInstanceUID: value('SOPInstanceUID'),
      InstanceNumber: Number(value('InstanceNumber')),
      Rows: Number(value('Rows')),
      Columns: Number(value('Columns')),
      BitsAllocated: Number(value('BitsAllocated')),
      BitsStored: Number(value('BitsStored')),
      PhotometricInterpretation: value('PhotometricInterpretation'),
      NumberOfFrames: null,
      PixelSpacing: value('PixelSpacing').split('\\').map(Number),
      SliceThickness: Number(value('SliceThickness')),
      // dcmdump: "Used TransferSyntax: Little Endian Explicit"
      TransferSyntaxUID: TransferSyntax.ExplicitVRLittleEndian.uid,
    });
  });
});

describe('extract metadata from hand-built bytes', () => {
  it('when attributes are absent, then every key is still there with null, never the string "undefined"', () => {
    const sections = extractStudySections(readerFor(part10(minimalDataset())));
    const json = JSON.stringify(sections);
    expect(json).not.toContain('undefined');
    expect(sections.patient).toEqual({ PatientID: null, PatientName: null, PatientBirthDate: null, PatientSex: null, PatientAge: null });
  });

  it('when a DS is not a number, then it is null rather than NaN', () => {
    const reader = readerFor(part10(minimalDataset([element('00180060', 'DS', 'abc')])));
    expect(extractStudySections(reader).exposure.KVP).toBeNull();
  });

  it('when PatientBirthDate is an impossible date, then it is null', () => {
    const reader = readerFor(part10(minimalDataset([element('00100030', 'DA', '20230230')])));
    expect(extractStudySections(reader).patient.PatientBirthDate).toBeNull();
  });
});
