import { Router } from 'express';
import { assertStudyId } from '@dsv/common';
import { describeStudy, type DescribeDeps } from '../domain/describe-study.ts';

/**
 * POST /v1/studies/:id, multipart/form-data: the field `request` (a DescribeRequest, JSON) first, then
 * the files in the field `files`, each named by its stored name. 201 with a DescribeResult when the
 * study was stored; 200 with alreadyStored=true when this id was stored before (a retry).
 */
export function studiesRouter(deps: DescribeDeps): Router {
  const router = Router();
  router.post('/v1/studies/:id', async (req, res) => {
    const studyId = assertStudyId(req.params.id);
    const result = await describeStudy(req, { studyId, correlationId: req.correlationId }, deps);
    res.status(result.alreadyStored ? 200 : 201).json(result);
  });
  return router;
}
