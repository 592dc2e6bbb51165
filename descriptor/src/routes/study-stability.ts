import express, { Router } from 'express';
import { AppError, Headers, isValidUid, StableRequestSchema, sendJson } from '@dsv/common';
import { stabiliseStudy, studyInstances, type StabiliseDeps } from '../archive/stabilise-study.ts';

/**
 * The gateway's calls when a study goes stable: GET /v1/studies/<StudyInstanceUID>/instances (what the
 * validator's study checks read), then POST /v1/studies/<StudyInstanceUID>/stable with their findings.
 */
export function studyStabilityRouter(deps: StabiliseDeps): Router {
  const router = Router();
  router.get('/v1/studies/:uid/instances', (req, res) => {
    const held = studyInstances(deps.catalogue, studyUid(req.params.uid));
    // In a header too: the gateway passes the document on to the validator without parsing it.
    res.setHeader(Headers.lastDeliveryId, held.lastDeliveryId);
    res.json(held);
  });
  router.post('/v1/studies/:uid/stable', express.json({ limit: '16mb' }), async (req, res) => {
    const uid = studyUid(req.params.uid);
    const body = StableRequestSchema.parse(req.body);
    sendJson(res, 200, await stabiliseStudy(uid, body, { studyId: body.lastDeliveryId, correlationId: body.correlationId }, deps));
  });
  return router;
}

function studyUid(value: unknown): string {
  if (typeof value !== 'string' || !isValidUid(value))
    throw new AppError('REQUEST_INVALID', 'A study is named by its StudyInstanceUID (PS3.5 §9.1)', { parameter: 'StudyInstanceUID' });
  return value;
}
