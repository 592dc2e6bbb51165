import type { ElementReader } from '@dsv/common';
import { readFields, type Fields } from './read-fields.ts';

/**
 * Which attributes metadata.json holds and how each is read, keyed by DICOM keyword (PS3.6). The study
 * level sections come from one instance: the validator has checked that the files of a stored study
 * agree on patient and study (PS3.3 §C.7.1.1, §C.7.2.1).
 */
const PatientFields = {
  PatientID: 'text',
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
} as const;

export interface StudySections {
  patient: Fields<typeof PatientFields>;
  study: Fields<typeof StudyFields>;
  equipment: Fields<typeof EquipmentFields>;
  institution: Fields<typeof InstitutionFields>;
  exposure: Fields<typeof ExposureFields>;
}

export type SeriesAttributes = Fields<typeof SeriesFields>;
export type InstanceAttributes = Fields<typeof InstanceFields> & { TransferSyntaxUID: string | null };

export function extractStudySections(reader: ElementReader): StudySections {
  return {
    patient: readFields(reader, PatientFields),
    study: readFields(reader, StudyFields),
    equipment: readFields(reader, EquipmentFields),
    institution: readFields(reader, InstitutionFields),
    exposure: readFields(reader, ExposureFields),
  };
}

export function extractSeries(reader: ElementReader): SeriesAttributes {
  return readFields(reader, SeriesFields);
}

export function extractInstance(reader: ElementReader): InstanceAttributes {
  return { ...readFields(reader, InstanceFields), TransferSyntaxUID: reader.parsed.transferSyntaxUID };
}
