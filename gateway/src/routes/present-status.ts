import type { StudyStatus } from '../domain/study-status.ts';

/** The public shape of a status: everything but the bookkeeping fields. */
export function presentStatus(status: StudyStatus) {
  const { correlationId, attempts, ...rest } = status;
  return { ...rest, statusUrl: `/status/${status.id}`, correlationId, attempts };
}

/** The HTTP status of a final answer (?wait=true): the outcome's, 201 when stored. */
export function finalStatusCode(status: StudyStatus): number {
  return status.outcome?.httpStatus ?? 500;
}
