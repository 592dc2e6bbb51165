import path from 'node:path';
import express, { Router } from 'express';
import { assertStudyId, type Logger } from '@dsv/common';
import type { DescriptorConfig } from '../config.ts';
import { describeStudy, type DescribeDeps } from '../domain/describe-study.ts';
import { createFhirForwarder } from '../domain/forward-fhir.ts';

export interface StudiesRouterDeps extends DescribeDeps {
  config: DescribeDeps['config'] & Pick<DescriptorConfig, 'fhir' | 'outboxDir'>;
  logger?: Logger;
}

/**
 * POST /v1/studies/:id, multipart/form-data: the field `request` (a DescribeRequest, JSON) first, then
 * the files in the field `files`, each named by its stored name. Or application/json: the DescribeRequest
 * alone, its files taken by reference from the gateway's staging folder (stagingDir, a shared disk). 201 with a DescribeResult when the
 * study was stored; 200 with alreadyStored=true when this id was stored before (a retry). With
 * fhir.forwardUrl set, a newly stored study's fhir.json is then sent to the FHIR server in the background.
 */
export function studiesRouter(deps: StudiesRouterDeps): Router {
  const router = Router();
  const forwarder = deps.config.fhir.forwardUrl ? createFhirForwarder(deps) : null;
  router.post('/v1/studies/:id', express.json({ limit: deps.config.limits.maxRequestFieldBytes }), async (req, res) => {
    const studyId = assertStudyId(req.params.id);
    const context = { studyId, correlationId: req.correlationId };
    const result = await describeStudy(req, context, deps);
    deps.logger?.info({
      ...context, transport: req.is('application/json') ? 'reference' : 'stream', disposition: result.disposition,
      alreadyStored: result.alreadyStored, files: result.files.originals.length,
    }, 'described');
    res.status(result.alreadyStored ? 200 : 201).json(result);
    // After the answer: a retry (alreadyStored) was forwarded, or kept in the outbox, the first time.
    if (forwarder && result.disposition === 'stored' && !result.alreadyStored) forwarder.forward(context, path.join(deps.config.studiesDir, studyId));
  });
  return router;
}
