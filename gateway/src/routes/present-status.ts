import { sendJson } from '@dsv/common';
import type { Request, Response } from 'express';
import type { StudyRecord } from '../data/gateway-data.ts';
import type { StudyState, StudyStatus } from '../domain/study-status.ts';

/**
 * The public shape of a status: everything but the bookkeeping fields. With `study`, the gateway's
 * record of the DICOM study now: the link then says the study's state as it is, not as it was at the
 * join, and since when it is stable.
 */
export function presentStatus(status: StudyStatus, study?: StudyRecord) {
  const { correlationId, attempts, ...rest } = status;
  const stableAt = study?.stableAt == null ? null : new Date(study.stableAt).toISOString();
  const link = status.study && { ...status.study, ...(study ? { state: study.state } : {}), stableAt };
  return { ...rest, study: link, statusUrl: `/status/${status.id}`, correlationId, attempts };
}

/** The HTTP status of a final answer (?wait=true): the outcome's, 201 when stored. */
export function finalStatusCode(status: StudyStatus): number {
  return status.outcome?.httpStatus ?? 500;
}

export interface TakenStudy {
  id: string;
  /** The state the delivery was taken in: once submitted, the live status moves on. */
  state: StudyState;
  /** The delivery's end. */
  done: Promise<StudyStatus>;
}

/** ?wait=true: the client waits for the delivery's outcome, which is the answer. */
export function waitsForOutcome(req: Request): boolean {
  return req.query.wait === 'true';
}

/**
 * The answer to a delivery just taken on (an upload, a retry): at once (202), with where to poll; or,
 * with ?wait=true, once it has ended, with the outcome's status code and the full status.
 */
export async function answerTakenStudy(req: Request, res: Response, taken: TakenStudy): Promise<void> {
  const statusUrl = `/status/${taken.id}`;
  res.setHeader('Location', statusUrl);
  if (waitsForOutcome(req)) {
    const final = await taken.done;
    sendJson(res, finalStatusCode(final), presentStatus(final));
    return;
  }
  taken.done.catch(() => undefined);
  sendJson(res, 202, { id: taken.id, state: taken.state, statusUrl });
}
