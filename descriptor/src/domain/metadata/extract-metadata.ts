import type { ElementReader } from '@dsv/common';
import { formatUtcOffset, joinDateTime, withUtcOffset } from './dicom-dates.ts';
import { readFields, type Fields } from './read-fields.ts';

/**
 * Which attributes metadata.json holds and how each is read, keyed by DICOM keyword (PS3.6). The study
 * level sections come from one instance: the validator has checked that the files of a stored study
 * agree on patient and study (PS3.3 §C.7.1.1, §C.7.2.1).
 */
const PatientFields = {
  PatientID: 'text',
  IssuerOfPatientID: 'text',
  PatientName: 'personName',
  PatientBirthDate: 'date',
  PatientSex: 'text',
  PatientAge: 'age',
} as const;

const StudyFields = {
  StudyInstanceUID: 'text',
  StudyID: 'text',
  StudyDate: 'date',
  StudyTime: 'time',
  TimezoneOffsetFromUTC: 'utcOffset',
  StudyDescription: 'text',
  AccessionNumber: 'text',
  ReferringPhysicianName: 'personName',
} as const;

/** General Equipment module, PS3.3 §C.7.5.1. */
const EquipmentFields = {
  Manufacturer: 'text',
  ManufacturerModelName: 'text',
  StationName: 'text',
  SoftwareVersions: 'texts',
  DeviceSerialNumber: 'text',
} as const;

const InstitutionFields = {
  InstitutionName: 'text',
  InstitutionAddress: 'text',
  InstitutionalDepartmentName: 'text',
} as const;

/** Acquisition and dose attributes of CT, CR, DX and XA images (PS3.3 §C.8.2.1, §C.8.7.2, §C.8.15.2). */
const ExposureFields = {
  KVP: 'number',
  ExposureTime: 'number',
  ExposureTimeInms: 'number',
  XRayTubeCurrent: 'number',
  XRayTubeCurrentInmA: 'number',
  Exposure: 'number',
  ExposureInuAs: 'number',
  CTDIvol: 'number',
  SpiralPitchFactor: 'number',
  ImageAndFluoroscopyAreaDoseProduct: 'number',
  EntranceDoseInmGy: 'number',
  DistanceSourceToDetector: 'number',
  DistanceSourceToPatient: 'number',
  FocalSpots: 'numbers',
  FilterType: 'text',
} as const;

const SeriesFields = {
  SeriesInstanceUID: 'text',
  SeriesNumber: 'number',
  SeriesDate: 'date',
  SeriesTime: 'time',
  SeriesDescription: 'text',
  BodyPartExamined: 'text',
  Modality: 'text',
} as const;

const InstanceFields = {
  SOPClassUID: 'text',
  SOPInstanceUID: 'text',
  InstanceNumber: 'number',
  Rows: 'number',
  Columns: 'number',
  BitsAllocated: 'number',
  BitsStored: 'number',
  PhotometricInterpretation: 'text',
  NumberOfFrames: 'number',
  PixelSpacing: 'numbers',
  SliceThickness: 'number',
  /** Image Plane module, PS3.3 §C.7.6.2: where the slice is, for the series' slice range. */
  ImagePositionPatient: 'numbers',
  ImageOrientationPatient: 'numbers',
  SliceLocation: 'number',
  AcquisitionDateTime: 'dateTime',
} as const;

export interface StudySections {
  patient: Fields<typeof PatientFields>;
  study: Fields<typeof StudyFields> & { StudyDateTime: string | null };
  equipment: Fields<typeof EquipmentFields>;
  institution: Fields<typeof InstitutionFields>;
  exposure: Fields<typeof ExposureFields>;
}

export type SeriesAttributes = Fields<typeof SeriesFields> & { SeriesDateTime: string | null };
export type InstanceAttributes = Fields<typeof InstanceFields> & { TransferSyntaxUID: string | null };

export function extractStudySections(reader: ElementReader): StudySections {
  const offset = utcOffsetOf(reader);
  const study = readFields(reader, StudyFields);
  study.StudyTime = withUtcOffset(study.StudyTime, offset);
  return {
    patient: readFields(reader, PatientFields),
    study: { ...study, StudyDateTime: joinDateTime(study.StudyDate, study.StudyTime, offset) },
    equipment: readFields(reader, EquipmentFields),
    institution: readFields(reader, InstitutionFields),
    exposure: readFields(reader, ExposureFields),
  };
}

export function extractSeries(reader: ElementReader): SeriesAttributes {
  const offset = utcOffsetOf(reader);
  const series = readFields(reader, SeriesFields);
  series.SeriesTime = withUtcOffset(series.SeriesTime, offset);
  return { ...series, SeriesDateTime: joinDateTime(series.SeriesDate, series.SeriesTime, offset) };
}

export function extractInstance(reader: ElementReader): InstanceAttributes {
  const instance = readFields(reader, InstanceFields);
  instance.AcquisitionDateTime = withUtcOffset(instance.AcquisitionDateTime, utcOffsetOf(reader));
  return { ...instance, TransferSyntaxUID: reader.parsed.transferSyntaxUID };
}

/** Times and date-times of the file without an offset of their own are in this one (PS3.3 §C.12.1.1.8). */
function utcOffsetOf(reader: ElementReader): string | null {
  return formatUtcOffset(reader.text('TimezoneOffsetFromUTC'));
}
