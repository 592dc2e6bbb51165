import type { Finding, LifecycleEvent } from '@dsv/common';
import type { StagedFile } from '../upload/staging-storage.ts';

export const StudyStates = ['received', 'validating', 'describing', 'stored', 'rejected', 'failed'] as const;
export type StudyState = (typeof StudyStates)[number];

export const TerminalStates: ReadonlySet<StudyState> = new Set(['stored', 'rejected', 'failed']);

export interface Outcome {
  httpStatus: number;
  code: string;
  message: string;
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
  attempts: number;
  correlationId: string;
  createdAt: string;
  updatedAt: string;
}

/** How many error findings the status shows in full; validation.log has them all. */
export const FIRST_ERRORS_SHOWN = 20;
