import type { StagedFile } from '../src/upload/staging-storage.ts';
import { newDeliveryStatus, type StudyState, type StudyStatus } from '../src/domain/study-status.ts';

/** A status as POST /upload creates it (fresh, nothing run yet), in the given state, with these files. */
export function newStatus(id: string, files: StagedFile[], state: StudyState = 'received'): StudyStatus {
  return { ...newDeliveryStatus(id, files, 'c'), state };
}
