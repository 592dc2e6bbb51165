import express, { Router } from 'express';
import { jsonOrMultipart, MAX_BATCH_STUDIES, type Logger, sendJson } from '@dsv/common';
import type { DescribeDeps } from '../domain/intake/describe-study.ts';
import { describeBatch } from './describe-batch.ts';
import { describeStreamed } from './describe-streamed.ts';

export interface DeliveriesRouterDeps extends DescribeDeps {
  logger?: Logger | undefined;
}

/**
 * What one item of a batch adds to its DescribeRequest in JSON: `{"correlationId":"…","request":}` and a
 * comma, with room for a correlation id well past the 128 characters a plain one may have.
 */
const ITEM_ENVELOPE_BYTES = 1024;

/**
 * POST /v1/deliveries, the one route that stores deliveries; the Content-Type says how the files come:
 * - application/json `{ studies: [{ correlationId, request }] }`: up to MAX_BATCH_STUDIES DescribeRequests,
 *   each delivery's files by reference in the gateway's staging folder (stagingDir, a shared disk). 200
 *   with `{ results }` in the order asked: per delivery its status and DescribeResult, or its status and
 *   error body. A malformed batch is refused whole (400).
 * - multipart/form-data: the field `request` (a DescribeRequest, which names the delivery) first, then the
 *   files in the field `files`, each named by its stored name. Answered with its DescribeResult.
 * A delivery's status, in a batch's result as for a streamed one: 201 when it joined its study or was kept
 * under rejected/, 200 with alreadyStored=true when it was described before (a retry).
 */
export function deliveriesRouter(deps: DeliveriesRouterDeps): Router {
  const router = Router();
  // Each request of a batch may be as large as the `request` part of a streamed delivery.
  const limit = MAX_BATCH_STUDIES * (deps.config.limits.maxRequestFieldBytes + ITEM_ENVELOPE_BYTES);
  router.post('/v1/deliveries', express.json({ limit }), async (req, res) => {
    if (jsonOrMultipart(req) === 'json') {
      sendJson(res, 200, await describeBatch(req.body, req, deps));
      return;
    }
    const result = await describeStreamed(req, deps);
    sendJson(res, result.alreadyStored ? 200 : 201, result);
  });
  return router;
}
