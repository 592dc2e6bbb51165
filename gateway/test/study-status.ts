import type { StagedFile } from '../src/upload/staging-storage.ts';
import type { StudyState, StudyStatus } from '../src/domain/study-status.ts';

/** A status as POST /upload creates it (fresh, nothing run yet), in the given state, with these files. */
export function newStatus(id: string, files: StagedFile[], state: StudyState = 'received'): StudyStatus {
  const now = new Date().toISOString();
  return {
    id,
    state,
    outcome: null,
    upload: { files, bytes: files.reduce((sum, file) => sum + file.sizeBytes, 0) },
    contents: null,
    study: null,
    join: null,
    findings: { errors: 0, warnings: 0, firstErrors: [] },
    events: [],
    paths: null,
    attempts: 0,
    correlationId: 'c',
    createdAt: now,
    updatedAt: now,
  };
}
