import type { AssociationAborted, AssociationAccepted, AssociationRejected, AssociationReleased } from '../contracts/association-event.ts';

/**
 * The lifecycle events of a study, and of the DICOM associations that deliver to the gateway, one catalog
 * for the three services. Payloads carry ids, UIDs, counts
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
  /** A failed delivery run again from its staged files: by POST /studies/<id>/retry (npm run replay). */
  'study.retried': { trigger: 'retry'; previousCode: string | null; attempt: number };
  /** An unfinished study taken up again when the gateway starts (after a stop or a crash). */
  'study.resumed': { previousState: string };
  /** No delivery reached the study for stableAfterSeconds: its study-level checks ran, its documents are whole. */
  'study.stable': { studyInstanceUid: string; instances: number; series: number; errors: number; warnings: number };
  /** A stored study's fhir.json accepted by the FHIR server (fhir.forwardUrl), in the background. */
  'fhir.forwarded': { attempts: number; httpStatus: number; durationMs: number };
  /** Every attempt failed: the bundle is kept in the outbox (when it could be written) for `npm run fhir:replay`. */
  'fhir.forward_failed': { attempts: number; httpStatus: number | null; reason: string; outbox: boolean };
  /** A DICOM association accepted by the C-STORE receiver (A-ASSOCIATE-AC); `studyId` is the association's id. */
  'association.accepted': AssociationAccepted;
  /** An association request refused (A-ASSOCIATE-RJ); `studyId` is an id of its own, with no status. */
  'association.rejected': AssociationRejected;
  /** An association ended by A-RELEASE, with its instances counted by DIMSE status class. */
  'association.released': AssociationReleased;
  /** An association ended without A-RELEASE (an A-ABORT, or the connection lost). */
  'association.aborted': AssociationAborted;
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
  'study.stable',
  'fhir.forwarded',
  'fhir.forward_failed',
  'association.accepted',
  'association.rejected',
  'association.released',
  'association.aborted',
] as const satisfies readonly EventType[];

/** The events of the DICOM receiver's associations (the gateway keeps them in its feed and their statuses). */
export const AssociationEventTypes = [
  'association.accepted',
  'association.rejected',
  'association.released',
  'association.aborted',
] as const satisfies readonly EventType[];
export type AssociationEventType = (typeof AssociationEventTypes)[number];

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
  'study.stable': 'gateway',
  'fhir.forwarded': 'descriptor',
  'fhir.forward_failed': 'descriptor',
  'association.accepted': 'gateway',
  'association.rejected': 'gateway',
  'association.released': 'gateway',
  'association.aborted': 'gateway',
};

/** What each event means and which data it carries: the README's event table is rendered from this. */
export const EventDocs: { readonly [T in EventType]: { meaning: string; data: readonly (keyof EventPayloads[T])[] } } = {
  'study.uploaded': { meaning: 'The files of an upload are on disk and the upload has its id', data: ['files', 'bytes'] },
  'validation.success': { meaning: 'Every file and the study passed: no error finding', data: ['instances', 'errors', 'warnings'] },
  'validation.failed': {
    meaning: 'The study has error findings; their codes are listed',
    data: ['instances', 'errors', 'warnings', 'codes'],
  },
  'study.validated': { meaning: "The gateway has the validator's report", data: ['valid', 'errors', 'warnings'] },
  'metadata.extracted': { meaning: 'The metadata of a valid study is extracted', data: ['instances', 'series', 'studyInstanceUid'] },
  'storage.completed': {
    meaning: 'The study is published under studies/ or rejected/ (or was already)',
    data: ['disposition', 'files', 'bytes', 'alreadyStored'],
  },
  'study.processed': { meaning: 'The study is stored', data: ['code', 'httpStatus', 'durationMs'] },
  'study.rejected': { meaning: 'The study is invalid and kept under rejected/', data: ['code', 'httpStatus', 'durationMs'] },
  'study.failed': {
    meaning: 'The pipeline could not finish; the staged files are kept for a retry',
    data: ['code', 'httpStatus', 'durationMs', 'reason'],
  },
  'study.retried': {
    meaning: 'A failed delivery runs again (POST /studies/<id>/retry, npm run replay)',
    data: ['trigger', 'previousCode', 'attempt'],
  },
  'study.resumed': { meaning: 'An unfinished study is taken up again when the gateway starts', data: ['previousState'] },
  'study.stable': {
    meaning:
      'No delivery reached the DICOM study for stableAfterSeconds: its study-level checks ran, metadata.dicom.json and fhir.json are written',
    data: ['studyInstanceUid', 'instances', 'series', 'errors', 'warnings'],
  },
  'fhir.forwarded': {
    meaning: "The study's fhir.json was accepted by the configured FHIR server",
    data: ['attempts', 'httpStatus', 'durationMs'],
  },
  'fhir.forward_failed': {
    meaning: 'Forwarding fhir.json failed after every attempt; the bundle waits in the outbox',
    data: ['attempts', 'httpStatus', 'reason', 'outbox'],
  },
  'association.accepted': {
    meaning: 'The DICOM receiver accepted an association (studyId: its id, as in GET /status/<id>); its contexts accepted and refused',
    data: ['callingAeTitle', 'calledAeTitle', 'address', 'acceptedContexts', 'rejectedContexts'],
  },
  'association.rejected': {
    meaning:
      'The DICOM receiver refused an association (A-ASSOCIATE-RJ, PS3.8 §9.3.4): wrong called AE title, calling AE title not allowed, too many associations',
    data: ['callingAeTitle', 'calledAeTitle', 'address', 'cause', 'result', 'source', 'reason'],
  },
  'association.released': {
    meaning:
      "An association ended by A-RELEASE: its C-STOREs by DIMSE status class and the studies they joined (each instance's own delivery has its study.* events)",
    data: ['instances', 'success', 'warning', 'failure', 'studyInstanceUids'],
  },
  'association.aborted': {
    meaning:
      "An association ended without A-RELEASE (the peer's A-ABORT, the receiver's, or the connection lost): an instance still arriving was dropped",
    data: ['instances', 'success', 'warning', 'failure', 'studyInstanceUids', 'cause', 'source', 'reason'],
  },
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
