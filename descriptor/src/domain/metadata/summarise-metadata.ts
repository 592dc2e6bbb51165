import { z } from 'zod';

/** What a list of studies shows of each: enough to find a study again, no more patient data than that. */
export interface StudySummary {
  StudyInstanceUID: string | null;
  PatientID: string | null;
  /** ISO 8601 'YYYY-MM-DD', as in metadata.json. */
  StudyDate: string | null;
  AccessionNumber: string | null;
  modalities: string[];
  numberOfSeries: number;
  numberOfInstances: number;
}

const text = z.string().nullable().catch(null);
const count = z.number().int().nonnegative().catch(0);

/**
 * The part of metadata.json (assemble-metadata.ts) a summary needs, read leniently: a rejected delivery's
 * metadata, or one written by an older version (npm run reindex), still summarises, with null where a
 * value cannot be read.
 */
const SummarySource = z.object({
  patient: z.object({ PatientID: text }).catch({ PatientID: null }),
  study: z
    .object({ StudyInstanceUID: text, StudyDate: text, AccessionNumber: text })
    .catch({ StudyInstanceUID: null, StudyDate: null, AccessionNumber: null }),
  summary: z
    .object({ modalities: z.array(z.string()).catch([]), numberOfSeries: count, numberOfInstances: count })
    .catch({ modalities: [], numberOfSeries: 0, numberOfInstances: 0 }),
});

/** The summary of a metadata.json's content (null, or unreadable: nulls and zeros). */
export function summariseMetadata(metadata: unknown): StudySummary {
  const source = metadata === null ? null : SummarySource.safeParse(metadata);
  if (!source?.success) {
    return {
      StudyInstanceUID: null,
      PatientID: null,
      StudyDate: null,
      AccessionNumber: null,
      modalities: [],
      numberOfSeries: 0,
      numberOfInstances: 0,
    };
  }
  const { patient, study, summary } = source.data;
  return {
    StudyInstanceUID: study.StudyInstanceUID,
    PatientID: patient.PatientID,
    StudyDate: study.StudyDate,
    AccessionNumber: study.AccessionNumber,
    modalities: summary.modalities,
    numberOfSeries: summary.numberOfSeries,
    numberOfInstances: summary.numberOfInstances,
  };
}
