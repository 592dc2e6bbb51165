import type { StudyStatus } from '../domain/study-status.ts';

/** The public shape of a status: everything but the bookkeeping fields. */
export function presentStatus(status: StudyStatus) {
  const { correlationId, attempts, ...rest } = status;
  return { ...rest, statusUrl: `/status/${status.id}`, correlationId, attempts };
}
