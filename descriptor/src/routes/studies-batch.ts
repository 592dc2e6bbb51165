import express, { Router, type Request } from 'express';
import {
  acceptId,
  assertStudyId,
  batchItemError,
  isStudyId,
  DescribeBatchRequestSchema,
  MAX_BATCH_STUDIES,
  requireJson,
  type DescribeBatchAnswer,
  type DescribeBatchRequest,
  sendJson,
} from '@dsv/common';
import { describeStagedStudy } from '../domain/intake/describe-study.ts';
import { logDescribed } from './report-described.ts';
import type { StudiesRouterDeps } from './studies.ts';

/**
 * What one item of a batch adds to its DescribeRequest in JSON: `{"correlationId":"…","request":}` and a
 * comma, with room for a correlation id well past the 128 characters a plain one may have.
 */
const ITEM_ENVELOPE_BYTES = 1024;

type BatchResult = DescribeBatchAnswer['results'][number];

/**
 * POST /v1/studies/batch, application/json only: `{ studies: [{ correlationId, request }] }`, up to
 * MAX_BATCH_STUDIES DescribeRequests, each study's files by reference in the staging folder. The studies
 * are described at the same time (their flushes overlap in the disk's queue), each exactly as
 * POST /v1/studies/:id would with that request as its JSON body. 200 with `{ results }` in the order asked:
 * per study its status and DescribeResult, or its status and error body. A malformed batch is refused
 * whole (400).
 */
export function studiesBatchRouter(deps: StudiesRouterDeps): Router {
  const router = Router();
  // Each study may be as large as the single route allows its one request to be.
  const limit = MAX_BATCH_STUDIES * (deps.config.limits.maxRequestFieldBytes + ITEM_ENVELOPE_BYTES);
  // Files come by reference only: a batch of multipart bodies would be one body holding many.
  const json = requireJson('Send a batch as application/json: its files are taken by reference');
  router.post('/v1/studies/batch', json, express.json({ limit }), async (req, res) => {
    const batch = DescribeBatchRequestSchema.parse(req.body);
    const outcomes = await Promise.all(batch.studies.map((item, index) => describeItem(item, index, batch.studies.length, req, deps)));
    const answer: DescribeBatchAnswer = { results: outcomes };
    sendJson(res, 200, answer);
  });
  return router;
}

/** One study of the batch: whatever it throws becomes its own result, never the batch's. */
async function describeItem(
  item: DescribeBatchRequest['studies'][number],
  index: number,
  count: number,
  req: Request,
  deps: StudiesRouterDeps,
): Promise<BatchResult> {
  // As the x-correlation-id header: logged only when short and plain, else the batch's own.
  const correlationId = acceptId(item.correlationId) ?? req.correlationId;
  try {
    // The id names folders: it is checked as the URL's is before anything touches the disk.
    const context = { studyId: assertStudyId(item.request.studyId), correlationId };
    const result = await describeStagedStudy(item.request, context, deps);
    logDescribed(deps.logger, context, result, { transport: 'reference', batch: count });
    return { status: result.alreadyStored ? 200 : 201, body: result };
  } catch (error) {
    return batchItemError(
      error,
      {
        requestId: req.requestId,
        correlationId,
        studyId: isStudyId(item.request.studyId) ? item.request.studyId : null,
        index,
        batch: count,
      },
      deps.logger,
    );
  }
}
