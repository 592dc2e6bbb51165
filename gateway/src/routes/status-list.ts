import { AppError } from '@dsv/common';
import { Router } from 'express';
import type { StatusStore } from '../domain/status-store.ts';
import { StudyStates, type StudyState } from '../domain/study-status.ts';

/**
 * GET /status[?state=failed]: every upload the gateway knows, oldest first, in short (what `npm run
 * replay` reads to find the failed ones). The full status is at each statusUrl; /studies is the
 * browsing API over what is stored.
 */
export function statusListRouter(store: StatusStore): Router {
  const router = Router();
  router.get('/status', (req, res) => {
    const state = req.query.state;
    if (state !== undefined && !(typeof state === 'string' && (StudyStates as readonly string[]).includes(state))) {
      throw new AppError('REQUEST_INVALID', `state must be one of ${StudyStates.join(', ')}`);
    }
    const studies = store
      .list()
      .filter((status) => state === undefined || status.state === (state as StudyState))
      .map(({ id, state, outcome, attempts, createdAt, updatedAt }) => ({ id, state, outcome, attempts, createdAt, updatedAt, statusUrl: `/status/${id}` }));
    res.json({ uploads: studies });
  });
  return router;
}
