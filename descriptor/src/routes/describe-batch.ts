import {
  acceptId,
  batchItemError,
  DescribeBatchRequestSchema,
  isStudyId,
  type DescribeBatchAnswer,
  type DescribeBatchRequest,
} from '@dsv/common';
import type { Request } from 'express';
import { describeStagedStudy } from '../domain/intake/describe-study.ts';
import type { DeliveriesRouterDeps } from './deliveries.ts';
import { logDescribed } from './report-described.ts';

type BatchResult = DescribeBatchAnswer['results'][number];

/**
 * Deliveries by reference, `{ studies: [{ correlationId, request }] }`: each a DescribeRequest whose files
 * are in the staging folder. They are described at the same time (their flushes overlap in the disk's
 * queue), each as it would be alone; a malformed batch is refused whole (400).
 */
export async function describeBatch(body: unknown, req: Request, deps: DeliveriesRouterDeps): Promise<DescribeBatchAnswer> {
  const { studies } = DescribeBatchRequestSchema.parse(body);
  const results = await Promise.all(studies.map((item, index) => describeItem(item, index, studies.length, req, deps)));
  return { results };
}

/** One delivery of the batch: whatever it throws becomes its own result, never the batch's. */
async function describeItem(
  item: DescribeBatchRequest['studies'][number],
  index: number,
  count: number,
  req: Request,
  deps: DeliveriesRouterDeps,
): Promise<BatchResult> {
  // As the x-correlation-id header: logged only when short and plain, else the batch's own.
  const correlationId = acceptId(item.correlationId) ?? req.correlationId;
  try {
    const result = await describeStagedStudy(item.request, correlationId, deps);
    logDescribed(deps.logger, { studyId: result.studyId, correlationId }, result, { transport: 'reference', batch: count });
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
