import type { InstanceSummary } from '@dsv/common';
import type { StudySummary } from './study-status.ts';

/** The study summary the status shows, from the validator's per-file summaries. */
export function summariseStudy(instances: readonly InstanceSummary[]): StudySummary {
  const readable = instances.filter((instance) => instance.readable);
  const distinct = (values: (string | undefined)[]): string[] => [...new Set(values.filter((v): v is string => !!v))];
  const studies = distinct(readable.map((i) => i.StudyInstanceUID));
  const patients = distinct(readable.map((i) => i.PatientID));
  return {
    StudyInstanceUID: studies[0] ?? null,
    PatientID: patients[0] ?? null,
    modalities: distinct(readable.map((i) => i.Modality)).sort(),
    numberOfSeries: distinct(readable.map((i) => i.SeriesInstanceUID)).length,
    numberOfInstances: readable.length,
  };
}
