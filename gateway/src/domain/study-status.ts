import type { Finding, LifecycleEvent } from '@dsv/common';
import type { StagedFile } from '../upload/staging-storage.ts';

export const StudyStates = ['received', 'validating', 'describing', 'stored', 'rejected', 'failed'] as const;
export type StudyState = (typeof StudyStates)[number];

export const TerminalStates: ReadonlySet<StudyState> = new Set(['stored', 'rejected', 'failed']);

export interface Outcome {
  httpStatus: number;
  code: string;
  message: string;
  /** Ids and counts that explain the outcome, e.g. { service, attempts } for a 503. */
  details?: Record<string, unknown>;
}

/** A file whose SOP Instance UID another study already holds with other bytes. */
export interface InstanceConflict {
  file: string;
  SOPInstanceUID: string;
  /** The study holding the other version. */
  heldBy: string;
  /** 'changed': same transfer syntax, other bytes (rejects); 'reencoded': another transfer syntax (a warning). */
  kind: 'changed' | 'reencoded';
}

export interface StudySummary {
  StudyInstanceUID: string | null;
  PatientID: string | null;
  modalities: string[];
  numberOfSeries: number;
  numberOfInstances: number;
}

export interface StoredPaths {
  directory: string;
  originals: string[];
  metadata: string | null;
  validationLog: string;
}

/** What GET /status/<id> answers, and what is persisted for every upload. */
export interface StudyStatus {
  id: string;
  state: StudyState;
  outcome: Outcome | null;
  upload: { files: StagedFile[]; bytes: number };
  study: StudySummary | null;
  findings: { errors: number; warnings: number; firstErrors: Finding[] };
  events: LifecycleEvent[];
  paths: StoredPaths | null;
  /** Present when the upload was refused because of instances stored before (409 INSTANCE_CONFLICT). */
  conflicts?: InstanceConflict[];
  attempts: number;
  correlationId: string;
  createdAt: string;
  updatedAt: string;
}

/** How many error findings the status shows in full; validation.log has them all. */
export const FIRST_ERRORS_SHOWN = 20;
