import type { InstanceSummary } from '@dsv/common';
import type { DeliveryContents } from './study-status.ts';

/**
 * What a delivery holds, from the validator's per-file summaries. No patient attribute: who the patient
 * is belongs to the study's metadata (GET /studies/<StudyInstanceUID>), not to every delivery's status.
 */
export function summariseDelivery(instances: readonly InstanceSummary[]): DeliveryContents {
  const readable = instances.filter((instance) => instance.readable);
  const distinct = (values: (string | undefined)[]): string[] => [...new Set(values.filter((v): v is string => !!v))];
  const studies = distinct(readable.map((i) => i.StudyInstanceUID));
  return {
    StudyInstanceUID: studies[0] ?? null,
    modalities: distinct(readable.map((i) => i.Modality)).sort(),
    numberOfSeries: distinct(readable.map((i) => i.SeriesInstanceUID)).length,
    numberOfInstances: readable.length,
  };
}
