import { isStudyId } from '@dsv/common';
import { Router } from 'express';
import { z } from 'zod';
import type { StatusStore } from '../domain/status-store.ts';
import { StudyStates } from '../domain/study-status.ts';

/** Uploads per page at most, and by default: a page is one answer built in memory. */
export const MAX_STATUS_PAGE = 1000;

/** Unknown parameters are refused rather than ignored: a misspelt filter would otherwise list everything. */
const StatusListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_STATUS_PAGE).default(MAX_STATUS_PAGE),
  cursor: z.string().refine(isStudyId, 'not a cursor this service gave: pass nextCursor as it came').optional(),
  state: z.enum(StudyStates).optional(),
});

/**
 * GET /status[?state=failed][&limit=N][&cursor=…]: the uploads the gateway knows, oldest first, in short,
 * a page at a time (`nextCursor` null on the last page): what `npm run replay` reads to find the failed
 * ones. A gateway that has taken a million uploads answers a page, not a million lines. The full status
 * is at each statusUrl; /studies is the browsing API over what is stored.
 */
export function statusListRouter(store: StatusStore): Router {
  const router = Router();
  router.get('/status', (req, res) => {
    const query = StatusListQuery.parse(req.query);
    const { statuses, more } = store.page({ after: query.cursor, state: query.state, limit: query.limit });
    const uploads = statuses.map(({ id, state, outcome, attempts, createdAt, updatedAt }) => ({ id, state, outcome, attempts, createdAt, updatedAt, statusUrl: `/status/${id}` }));
    res.json({ uploads, nextCursor: more ? uploads[uploads.length - 1]!.id : null });
  });
  return router;
}
