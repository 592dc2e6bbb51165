import { describe, expect, it } from 'vitest';
import { TransferSyntax } from '@dsv/common';
import { corpusPath } from '../../../../test/support/corpus.ts';
import { corpusSuite } from '../../../../test/support/corpus-suite.ts';
import { element, minimalDataset, part10 } from '../../../../test/support/dicom-bytes.ts';
import { extractInstance, extractSeries, extractStudySections } from '../../../src/domain/metadata/extract-metadata.ts';
import { referenceValues } from '../../support/reference-values.ts';
import { readerFor } from '../../support/inspect-bytes.ts';

const CT_SMALL = 'valid/samples/CT_small.dcm';

/** The reference's DA/TM text, rearranged the ISO 8601 way the test expects. */
const isoDate = (da: string): string => `${da.slice(0, 4)}-${da.slice(4, 6)}-${da.slice(6, 8)}`;
const isoTime = (tm: string): string => `${tm.slice(0, 2)}:${tm.slice(2, 4)}:${tm.slice(4, 6)}`;

corpusSuite('extract metadata from CT_small.dcm, checked against its dcmdump reference', () => {
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

  it("when the study section is read, then UIDs and text match and the date and time are ISO 8601, the time in the file's UTC offset", () => {
    const offset = `${value('TimezoneOffsetFromUTC').slice(0, 3)}:${value('TimezoneOffsetFromUTC').slice(3)}`;
    expect(offset).toBe('-05:00');
    expect(sections.study.StudyInstanceUID).toBe(value('StudyInstanceUID'));
    expect(sections.study.StudyID).toBe(value('StudyID'));
    expect(sections.study.StudyDate).toBe(isoDate(value('StudyDate')));
    // PS3.3 §C.12.1.1.8: (0008,0201) is the offset of the file's DA and TM values.
    expect(sections.study.StudyTime).toBe(isoTime(value('StudyTime')) + offset);
    expect(sections.study.StudyDateTime).toBe(`${isoDate(value('StudyDate'))}T${isoTime(value('StudyTime'))}${offset}`);
    expect(sections.study.StudyDescription).toBe(value('StudyDescription'));
    expect(sections.study.TimezoneOffsetFromUTC).toBe(offset);
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
    for (const keyword of [
      'KVP',
      'ExposureTime',
      'XRayTubeCurrent',
      'Exposure',
      'DistanceSourceToDetector',
      'DistanceSourceToPatient',
    ] as const) {
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
      SeriesTime: `${isoTime(value('SeriesTime'))}-05:00`,
      SeriesDateTime: `${isoDate(value('SeriesDate'))}T${isoTime(value('SeriesTime'))}-05:00`,
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
      ImagePositionPatient: value('ImagePositionPatient').split('\\').map(Number),
      ImageOrientationPatient: value('ImageOrientationPatient').split('\\').map(Number),
      SliceLocation: Number(value('SliceLocation')),
      AcquisitionDateTime: null,
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
    expect(sections.patient).toEqual({
      PatientID: null,
      IssuerOfPatientID: null,
      PatientName: null,
      PatientBirthDate: null,
      PatientSex: null,
      PatientAge: null,
    });
  });

  it('when the file has no Timezone Offset From UTC, then times stay local times without an offset', () => {
    const reader = readerFor(part10(minimalDataset([element('00080020', 'DA', '20240229'), element('00080030', 'TM', '235959.5')])));
    expect(extractStudySections(reader).study).toMatchObject({
      StudyDate: '2024-02-29',
      StudyTime: '23:59:59.5',
      StudyDateTime: '2024-02-29T23:59:59.5',
      TimezoneOffsetFromUTC: null,
    });
  });

  it("when a DT has an offset of its own, then it keeps it; when it has none, then it takes the file's", () => {
    const own = readerFor(part10(minimalDataset([element('00080201', 'SH', '+0900'), element('0008002A', 'DT', '20240101120000+0100')])));
    expect(extractInstance(own).AcquisitionDateTime).toBe('2024-01-01T12:00:00+01:00');
    const inherited = readerFor(part10(minimalDataset([element('00080201', 'SH', '+0900'), element('0008002A', 'DT', '20240101120000')])));
    expect(extractInstance(inherited).AcquisitionDateTime).toBe('2024-01-01T12:00:00+09:00');
  });

  it('when a person name has three component groups of five components, then each group keeps all five', () => {
    // ISO_IR 192 (UTF-8) bytes; PS3.5 §6.2.1: alphabetic=ideographic=phonetic, each family^given^middle^prefix^suffix.
    const name = 'Yamada^Tarou^Jirou^Dr^III=山田^太郎^次郎^博士^三世=やまだ^たろう^じろう^はかせ^さんせい';
    const reader = readerFor(
      part10(minimalDataset([element('00080005', 'CS', 'ISO_IR 192'), element('00100010', 'PN', Buffer.from(`${name} `, 'utf8'))])),
    );
    expect(extractStudySections(reader).patient.PatientName).toEqual({
      alphabetic: { familyName: 'Yamada', givenName: 'Tarou', middleName: 'Jirou', namePrefix: 'Dr', nameSuffix: 'III' },
      ideographic: { familyName: '山田', givenName: '太郎', middleName: '次郎', namePrefix: '博士', nameSuffix: '三世' },
      phonetic: { familyName: 'やまだ', givenName: 'たろう', middleName: 'じろう', namePrefix: 'はかせ', nameSuffix: 'さんせい' },
    });
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
