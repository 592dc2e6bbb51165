import { jsonOrMultipart, MAX_BATCH_STUDIES, sendJson } from '@dsv/common';
import express, { Router } from 'express';
import type { ValidationDeps } from './report-validation.ts';
import { validateBatch } from './validate-batch.ts';
import { validateStreamed } from './validate-streamed.ts';

/**
 * POST /v1/validations, the one route that validates deliveries; the Content-Type says how the files come:
 * - application/json `{ "studies": [{ studyId, correlationId, files }, …] }`: up to MAX_BATCH_STUDIES
 *   deliveries by reference, read from the gateway's staging folder (stagingDir) when this service shares
 *   its disk. 200 `{ results }` in the order asked: each a report, or that delivery's error and status.
 * - multipart/form-data, headers x-study-id (a ULID) and x-correlation-id: one delivery, its file parts in
 *   the field "files" named by the gateway ('0001.dcm'). 200 with its report.
 * A report answers whether the delivery is valid or not: a finding is an answer, not a failure of the request.
 */
export function validationsRouter(deps: ValidationDeps): Router {
  const router = Router();
  // A stored name is at most 10 characters ('000001.dcm'), 13 bytes in a JSON array; 16 leaves room for
  // spacing, and 1 KiB a study for its ids and keys: a full batch of full studies is never refused.
  const limit = MAX_BATCH_STUDIES * (deps.config.limits.maxFiles * 16 + 1024);
  router.post('/v1/validations', express.json({ limit }), async (req, res) => {
    const answer = jsonOrMultipart(req) === 'json' ? await validateBatch(req.body, req, deps) : await validateStreamed(req, deps);
    sendJson(res, 200, answer);
  });
  return router;
}
