import express, { Router } from 'express';
import { assertStudyId, type Logger, sendJson } from '@dsv/common';
import type { DescriptorConfig } from '../config.ts';
import { describeStudy, type DescribeDeps } from '../domain/intake/describe-study.ts';
import { logDescribed } from './report-described.ts';
import { studiesBatchRouter } from './studies-batch.ts';

export interface StudiesRouterDeps extends DescribeDeps {
  config: DescribeDeps['config'] & Pick<DescriptorConfig, 'fhir' | 'outboxDir'>;
  logger?: Logger | undefined;
}

/**
 * POST /v1/studies/:id, multipart/form-data: the field `request` (a DescribeRequest, JSON) first, then
 * the files in the field `files`, each named by its stored name. Or application/json: the DescribeRequest
 * alone, its files taken by reference from the gateway's staging folder (stagingDir, a shared disk). 201 with a DescribeResult when the
 * delivery joined its study or was kept under rejected/; 200 with alreadyStored=true when this delivery
 * was described before (a retry).
 * POST /v1/studies/batch (studies-batch.ts) does the same for several studies by reference.
 */
export function studiesRouter(deps: StudiesRouterDeps): Router {
  const router = Router();
  // Before /v1/studies/:id, which would take "batch" for a (malformed) study id.
  router.use(studiesBatchRouter(deps));
  router.post('/v1/studies/:id', express.json({ limit: deps.config.limits.maxRequestFieldBytes }), async (req, res) => {
    const studyId = assertStudyId(req.params.id);
    const context = { studyId, correlationId: req.correlationId };
    const result = await describeStudy(req, context, deps);
    logDescribed(deps.logger, context, result, { transport: req.is('application/json') ? 'reference' : 'stream' });
    sendJson(res, result.alreadyStored ? 200 : 201, result);
  });
  return router;
}
