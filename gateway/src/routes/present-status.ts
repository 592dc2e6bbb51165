import type { Request, Response } from 'express';
import type { StudyState, StudyStatus } from '../domain/study-status.ts';

/** The public shape of a status: everything but the bookkeeping fields. */
export function presentStatus(status: StudyStatus) {
  const { correlationId, attempts, ...rest } = status;
  return { ...rest, statusUrl: `/status/${status.id}`, correlationId, attempts };
}

/** The HTTP status of a final answer (?wait=true): the outcome's, 201 when stored. */
export function finalStatusCode(status: StudyStatus): number {
  return status.outcome?.httpStatus ?? 500;
}

export interface TakenStudy {
  id: string;
  /** The state the study was taken in: once submitted, the live status moves on. */
  state: StudyState;
  /** The study's end, or its status when nothing runs. */
  done: Promise<StudyStatus> | StudyStatus;
  /** 202 by default; 200 for an identical upload answered with its study. */
  acceptedStatus?: number;
  /** Fields added to both answers (e.g. duplicateOf). */
  extra?: Record<string, unknown>;
}

/**
 * The answer to a study just taken on (an upload, a retry, an identical upload): at once, with where to
 * poll; or, with ?wait=true, once it has ended, with the outcome's status code and the full status.
 */
export async function answerTakenStudy(req: Request, res: Response, taken: TakenStudy): Promise<void> {
  const statusUrl = `/status/${taken.id}`;
  res.setHeader('Location', statusUrl);
  if (req.query.wait === 'true') {
    const final = await taken.done;
    res.status(finalStatusCode(final)).json({ ...presentStatus(final), ...taken.extra });
    return;
  }
  if (taken.done instanceof Promise) taken.done.catch(() => undefined);
  res.status(taken.acceptedStatus ?? 202).json({ id: taken.id, ...taken.extra, state: taken.state, statusUrl });
}
