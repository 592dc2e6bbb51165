import type { InstanceSummary } from '../contracts/validation.ts';
import { ElementReader } from './element-values.ts';
import type { Inspection } from './model.ts';

const TEXT_KEYWORDS = [
  'SOPClassUID',
  'SOPInstanceUID',
  'StudyInstanceUID',
  'SeriesInstanceUID',
  'Modality',
  'PatientID',
  'PatientName',
  'PatientBirthDate',
  'PatientSex',
  'FrameOfReferenceUID',
] as const;

/** The attributes the study checks and the status summary need, keyed by keyword (InstanceSummarySchema). */
export function summariseInstance(inspection: Inspection, file: string, readable: boolean): InstanceSummary {
  const summary: InstanceSummary = { file, sizeBytes: inspection.fileBytes, readable };
  const parsed = inspection.parsed;
  if (!parsed) return summary;
  const reader = new ElementReader(parsed);
  if (parsed.transferSyntaxUID) summary.TransferSyntaxUID = parsed.transferSyntaxUID;
  for (const keyword of TEXT_KEYWORDS) {
    const value = reader.text(keyword);
    if (value !== undefined) summary[keyword] = value;
  }
  const seriesNumber = reader.number('SeriesNumber');
  if (seriesNumber !== undefined) summary.SeriesNumber = seriesNumber;
  const instanceNumber = reader.number('InstanceNumber');
  if (instanceNumber !== undefined) summary.InstanceNumber = instanceNumber;
  const position = reader.numbers('ImagePositionPatient');
  if (position.length === 3) summary.ImagePositionPatient = position;
  const orientation = reader.numbers('ImageOrientationPatient');
  if (orientation.length === 6) summary.ImageOrientationPatient = orientation;
  return summary;
}
