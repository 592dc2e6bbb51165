import { AppError, assertStudyId } from '@dsv/common';
import { Router } from 'express';
import type { StatusStore } from '../domain/status-store.ts';
import { presentStatus } from './present-status.ts';

export function statusRouter(store: StatusStore): Router {
  const router = Router();
  router.get('/status/:id', (req, res) => {
    const id = assertStudyId(req.params.id);
    const status = store.get(id);
    if (!status) throw new AppError('STUDY_NOT_FOUND');
    res.json(presentStatus(status));
  });
  return router;
}
