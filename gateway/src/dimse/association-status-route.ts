import { isStudyId } from '@dsv/common';
import { Router } from 'express';
import type { AssociationStatuses } from './association-statuses.ts';

/**
 * GET /status/<id> when <id> names a DICOM association: its peer, its instances with the DIMSE status
 * each was answered (and the link to each instance's own delivery status), the studies it reached.
 * Mounted before the delivery status route, which answers every other id.
 */
export function associationStatusRouter(statuses: AssociationStatuses): Router {
  const router = Router();
  router.get('/status/:id', async (req, res, next) => {
    const { id } = req.params;
    const status = isStudyId(id) ? await statuses.get(id) : undefined;
    if (!status) {
      next();
      return;
    }
    res.json({ ...status, statusUrl: `/status/${status.id}` });
  });
  return router;
}
