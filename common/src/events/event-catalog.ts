/**
 * The lifecycle events of a study, one catalog for the three services. Payloads carry ids, UIDs, counts
 * and codes only: never a patient's name, ID or birth date.
 */
export const ServiceNames = ['gateway', 'validator', 'descriptor'] as const;
export type ServiceName = (typeof ServiceNames)[number];

export interface EventPayloads {
  'study.uploaded': { files: number; bytes: number };
  'validation.success': { instances: number; errors: 0; warnings: number };
  'validation.failed': { instances: number; errors: number; warnings: number; codes: string[] };
  'study.validated': { valid: boolean; errors: number; warnings: number };
  'metadata.extracted': { instances: number; series: number; studyInstanceUid: string | null };
  'storage.completed': { disposition: 'stored' | 'rejected'; files: number; bytes: number; alreadyStored: boolean };
  'study.processed': { code: string; httpStatus: number; durationMs: number };
  'study.rejected': { code: string; httpStatus: number; durationMs: number };
  'study.failed': { code: string; httpStatus: number; durationMs: number; reason: string };
  /** A failed study run again from its staged files: by POST /studies/<id>/retry or a re-sent identical upload. */
  'study.retried': { trigger: 'retry' | 'reupload'; previousCode: string | null; attempt: number };
  /** An unfinished study taken up again when the gateway starts (after a stop or a crash). */
  'study.resumed': { previousState: string };
  /** A stored study's fhir.json accepted by the FHIR server (fhir.forwardUrl), in the background. */
  'fhir.forwarded': { attempts: number; httpStatus: number; durationMs: number };
  /** Every attempt failed: the bundle is kept in the outbox (when it could be written) for `npm run fhir:replay`. */
  'fhir.forward_failed': { attempts: number; httpStatus: number | null; reason: string; outbox: boolean };
}

export type EventType = keyof EventPayloads;

export const EventTypes = [
  'study.uploaded',
  'validation.success',
  'validation.failed',
  'study.validated',
  'metadata.extracted',
  'storage.completed',
  'study.processed',
  'study.rejected',
  'study.failed',
  'study.retried',
  'study.resumed',
  'fhir.forwarded',
  'fhir.forward_failed',
] as const satisfies readonly EventType[];

/** The service that emits each event: the catalog says who owns what. */
export const EventOwners: { readonly [T in EventType]: ServiceName } = {
  'study.uploaded': 'gateway',
  'validation.success': 'validator',
  'validation.failed': 'validator',
  'study.validated': 'gateway',
  'metadata.extracted': 'descriptor',
  'storage.completed': 'descriptor',
  'study.processed': 'gateway',
  'study.rejected': 'gateway',
  'study.failed': 'gateway',
  'study.retried': 'gateway',
  'study.resumed': 'gateway',
  'fhir.forwarded': 'descriptor',
  'fhir.forward_failed': 'descriptor',
};

export type LifecycleEvent<T extends EventType = EventType> = {
  [K in T]: {
    type: K;
    service: ServiceName;
    studyId: string;
    correlationId: string;
    time: string;
    data: EventPayloads[K];
  };
}[T];

export interface EventContext {
  studyId: string;
  correlationId: string;
}
