import {
  acceptId,
  AppError,
  batchItemError,
  isStudyId,
  ValidationBatchRequestSchema,
  type ValidationBatchAnswer,
  type ValidationBatchRequest,
} from '@dsv/common';
import type { Request } from 'express';
import { inspectStaged } from './inspect-staged.ts';
import { reportValidation, type ValidationDeps } from './report-validation.ts';

type BatchResult = ValidationBatchAnswer['results'][number];
type BatchStudy = ValidationBatchRequest['studies'][number];

/**
 * Deliveries by reference, `{ "studies": [{ studyId, correlationId, files }, …] }`: each delivery's files
 * named in the gateway's staging folder. The deliveries are validated side by side and none can fail
 * another: each result is its report, or its error with the status a request of its own would have had.
 * Only a body that is not such a batch fails the whole request (400).
 */
export async function validateBatch(body: unknown, req: Request, deps: ValidationDeps): Promise<ValidationBatchAnswer> {
  const { studies } = ValidationBatchRequestSchema.parse(body);
  const results = await Promise.all(studies.map((study, index) => answerStudy(study, index, studies.length, req.requestId, deps)));
  return { results };
}

async function answerStudy(study: BatchStudy, index: number, batch: number, requestId: string, deps: ValidationDeps): Promise<BatchResult> {
  // As the x-correlation-id header of a request: kept when plain, else the batch's request id.
  const correlationId = acceptId(study.correlationId) ?? requestId;
  try {
    // Checked first, before the staging folder or the names, as a streamed delivery's header is.
    if (!isStudyId(study.studyId)) throw new AppError('STUDY_ID_INVALID', 'A study id must be a ULID');
    const files = await inspectStaged(study.files, study.studyId, deps.config);
    return { status: 200, body: reportValidation(files, { studyId: study.studyId, correlationId, transport: 'reference', batch }, deps) };
  } catch (error) {
    const studyId = isStudyId(study.studyId) ? study.studyId : null;
    return batchItemError(error, { requestId, correlationId, studyId, index, batch }, deps.logger);
  }
}
