import { z } from 'zod';
import { FindingSchema } from './finding.ts';
import { LifecycleEventSchema } from './lifecycle-event.ts';

/** The attributes of one file that the study-level checks and the status summary need, keyed by keyword. */
export const InstanceSummarySchema = z.object({
  file: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  readable: z.boolean(),
  TransferSyntaxUID: z.string().optional(),
  SOPClassUID: z.string().optional(),
  SOPInstanceUID: z.string().optional(),
  StudyInstanceUID: z.string().optional(),
  SeriesInstanceUID: z.string().optional(),
  Modality: z.string().optional(),
  PatientID: z.string().optional(),
  PatientName: z.string().optional(),
  PatientBirthDate: z.string().optional(),
  PatientSex: z.string().optional(),
  SeriesNumber: z.number().optional(),
  InstanceNumber: z.number().optional(),
  FrameOfReferenceUID: z.string().optional(),
  ImagePositionPatient: z.array(z.number()).optional(),
  ImageOrientationPatient: z.array(z.number()).optional(),
});
export type InstanceSummary = z.infer<typeof InstanceSummarySchema>;

export const OutcomeSchema = z.object({
  code: z.enum([
    'NOT_DICOM',
    'NOT_PART10',
    'MEDIA_STORAGE_DIRECTORY',
    'CORRUPT_DICOM',
    'FILE_META_INVALID',
    'DEFLATE_BOMB',
    'STUDY_INVALID',
  ]),
  httpStatus: z.union([z.literal(400), z.literal(422)]),
});

export const ValidationReportSchema = z.object({
  studyId: z.string(),
  valid: z.boolean(),
  outcome: OutcomeSchema.nullable(),
  instances: z.array(InstanceSummarySchema),
  errors: z.array(FindingSchema),
  warnings: z.array(FindingSchema),
  events: z.array(LifecycleEventSchema),
});
export type ValidationReport = z.infer<typeof ValidationReportSchema>;
