import type { Finding, InstanceConflict, Join, JoinedStudy, LifecycleEvent } from '@dsv/common';
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

/** What the delivery itself holds, as the validator read it. */
export interface DeliveryContents {
  StudyInstanceUID: string | null;
  modalities: string[];
  numberOfSeries: number;
  numberOfInstances: number;
}

/**
 * The DICOM study the delivery joined (or that refused it), as the descriptor answered after the join:
 * the whole study's counts, not the delivery's. `url` is where the study is browsed.
 */
export type StudyLink = JoinedStudy & { url: string };

export interface StoredPaths {
  directory: string;
  originals: string[];
  metadata: string | null;
  validationLog: string;
}

/** What GET /status/<id> answers, and what is persisted for every delivery (an upload). */
export interface StudyStatus {
  id: string;
  state: StudyState;
  outcome: Outcome | null;
  upload: { files: StagedFile[]; bytes: number };
  /** Set once validated. */
  contents: DeliveryContents | null;
  /** Set once the descriptor has the delivery, when it named the study (a valid delivery, or one the study refused). */
  study: StudyLink | null;
  /** What joining the study did with each instance: added, already stored (duplicates), re-encoded. */
  join: Join | null;
  /** The validator's findings and the join's warnings, counted. */
  findings: { errors: number; warnings: number; firstErrors: Finding[] };
  events: LifecycleEvent[];
  paths: StoredPaths | null;
  /** Present when the study refused the delivery for instances it holds with other bytes (409 INSTANCE_CONFLICT). */
  conflicts?: InstanceConflict[];
  attempts: number;
  correlationId: string;
  createdAt: string;
  updatedAt: string;
}

/** How many error findings the status shows in full; validation.log has them all. */
export const FIRST_ERRORS_SHOWN = 20;

/** The StudyInstanceUID a status is filed under: the study it joined, else the one its files name. */
export function studyUidOf(status: Pick<StudyStatus, 'study' | 'contents'>): string | null {
  return status.study?.StudyInstanceUID ?? status.contents?.StudyInstanceUID ?? null;
}

/** A delivery's status as it is accepted: its files on disk, nothing run yet. */
export function newDeliveryStatus(id: string, files: StagedFile[], correlationId: string): StudyStatus {
  const now = new Date().toISOString();
  return {
    id,
    state: 'received',
    outcome: null,
    upload: { files, bytes: files.reduce((sum, file) => sum + file.sizeBytes, 0) },
    contents: null,
    study: null,
    join: null,
    findings: { errors: 0, warnings: 0, firstErrors: [] },
    events: [],
    paths: null,
    attempts: 0,
    correlationId,
    createdAt: now,
    updatedAt: now,
  };
}
