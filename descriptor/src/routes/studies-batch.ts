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
  type DescribeResult,
  type EventContext,
} from '@dsv/common';
import { describeStagedStudy } from '../domain/describe-study.ts';
import type { FhirForwarder } from '../domain/forward-fhir.ts';
import { forwardNewStudy, logDescribed } from './report-described.ts';
import type { StudiesRouterDeps } from './studies.ts';

/**
 * What one item of a batch adds to its DescribeRequest in JSON: `{"correlationId":"…","request":}` and a
 * comma, with room for a correlation id well past the 128 characters a plain one may have.
 */
const ITEM_ENVELOPE_BYTES = 1024;

type BatchResult = DescribeBatchAnswer['results'][number];

interface ItemOutcome {
  result: BatchResult;
  /** Set when the study was described: what comes after the answer (forwarding) needs it. */
  described?: { context: EventContext; result: DescribeResult };
}

/**
 * POST /v1/studies/batch, application/json only: `{ studies: [{ correlationId, request }] }`, up to
 * MAX_BATCH_STUDIES DescribeRequests, each study's files by reference in the staging folder. The studies
 * are described at the same time (their flushes overlap in the disk's queue), each exactly as
 * POST /v1/studies/:id would with that request as its JSON body. 200 with `{ results }` in the order asked:
 * per study its status and DescribeResult, or its status and error body. A malformed batch is refused
 * whole (400). Newly stored studies are forwarded to the FHIR server after the answer, as one by one.
 */
export function studiesBatchRouter(deps: StudiesRouterDeps, forwarder: FhirForwarder | null): Router {
  const router = Router();
  // Each study may be as large as the single route allows its one request to be.
  const limit = MAX_BATCH_STUDIES * (deps.config.limits.maxRequestFieldBytes + ITEM_ENVELOPE_BYTES);
  // Files come by reference only: a batch of multipart bodies would be one body holding many.
  const json = requireJson('Send a batch as application/json: its files are taken by reference');
  router.post('/v1/studies/batch', json, express.json({ limit }), async (req, res) => {
    const batch = DescribeBatchRequestSchema.parse(req.body);
    const outcomes = await Promise.all(batch.studies.map((item, index) => describeItem(item, index, batch.studies.length, req, deps)));
    const answer: DescribeBatchAnswer = { results: outcomes.map((outcome) => outcome.result) };
    res.status(200).json(answer);
    for (const { described } of outcomes) {
      if (described) forwardNewStudy(forwarder, described.context, described.result, deps.config.studiesDir);
    }
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
): Promise<ItemOutcome> {
  // As the x-correlation-id header: logged only when short and plain, else the batch's own.
  const correlationId = acceptId(item.correlationId) ?? req.correlationId;
  try {
    // The id names folders: it is checked as the URL's is before anything touches the disk.
    const context = { studyId: assertStudyId(item.request.studyId), correlationId };
    const result = await describeStagedStudy(item.request, context, deps);
    logDescribed(deps.logger, context, result, { transport: 'reference', batch: count });
    return { result: { status: result.alreadyStored ? 200 : 201, body: result }, described: { context, result } };
  } catch (error) {
    return { result: batchItemError(error, { requestId: req.requestId, correlationId, studyId: isStudyId(item.request.studyId) ? item.request.studyId : null, index, batch: count }, deps.logger) };
  }
}
