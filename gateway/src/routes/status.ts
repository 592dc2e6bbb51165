import { AppError, assertStudyId } from '@dsv/common';
import { Router } from 'express';
import type { GatewayData } from '../data/gateway-data.ts';
import type { StatusStore } from '../domain/status-store.ts';
import { presentStatus } from './present-status.ts';

/** GET /status/<id>: a delivery's status, with the state its DICOM study is in now. */
export function statusRouter(store: StatusStore, studies: Pick<GatewayData, 'studyRecord'>): Router {
  const router = Router();
  router.get('/status/:id', async (req, res) => {
    const id = assertStudyId(req.params.id);
    const status = await store.get(id);
    if (!status) throw new AppError('STUDY_NOT_FOUND');
    const study = status.study ? await studies.studyRecord(status.study.StudyInstanceUID) : undefined;
    res.json(presentStatus(status, study));
  });
  return router;
}
