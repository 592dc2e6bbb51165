import {
  acceptId,
  batchItemError,
  isStudyId,
  MAX_BATCH_STUDIES,
  requireJson,
  ValidationBatchRequestSchema,
  type ValidationBatchAnswer,
  type ValidationBatchRequest,
  sendJson,
} from '@dsv/common';
import express, { Router } from 'express';
import type { ValidationDeps } from './report-validation.ts';
import { validateStaged } from './validate-staged.ts';

type BatchResult = ValidationBatchAnswer['results'][number];
type BatchStudy = ValidationBatchRequest['studies'][number];

/**
 * POST /v1/validations/batch, application/json `{ "studies": [{ studyId, correlationId, files }, …] }`:
 * up to MAX_BATCH_STUDIES studies by reference in one exchange. Answers 200 `{ results }` in the order
 * asked, each study's result what POST /v1/validations would have answered for it alone: a report, or
 * its error with that call's status. Only a body that is not a batch fails the whole request.
 */
export function validationsBatchRouter(deps: ValidationDeps): Router {
  const router = Router();
  // A stored name is at most 10 characters ('000001.dcm'), 13 bytes in a JSON array; 16 leaves room for
  // spacing, and 1 KiB a study for its ids and keys: a full batch of full studies is never refused.
  const limit = MAX_BATCH_STUDIES * (deps.config.limits.maxFiles * 16 + 1024);
  const json = requireJson('Send application/json: { "studies": [{ "studyId", "correlationId", "files" }, …] }');
  router.post('/v1/validations/batch', json, express.json({ limit }), async (req, res) => {
    const { studies } = ValidationBatchRequestSchema.parse(req.body);
    // Each study awaits its own reads; the studies run side by side, and none can fail another.
    const results = await Promise.all(studies.map((study, index) => answerStudy(study, index, studies.length, req.requestId, deps)));
    const answer: ValidationBatchAnswer = { results };
    sendJson(res, 200, answer);
  });
  return router;
}

async function answerStudy(study: BatchStudy, index: number, batch: number, requestId: string, deps: ValidationDeps): Promise<BatchResult> {
  // As the x-correlation-id header of a call of its own: kept when plain, else that call's request id.
  const correlationId = acceptId(study.correlationId) ?? requestId;
  try {
    const body = await validateStaged({ files: study.files }, { studyId: study.studyId, correlationId, batch }, deps);
    return { status: 200, body };
  } catch (error) {
    const studyId = isStudyId(study.studyId) ? study.studyId : null;
    return batchItemError(error, { requestId, correlationId, studyId, index, batch }, deps.logger);
  }
}
