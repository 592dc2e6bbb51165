import { isStudyId, isValidUid } from '@dsv/common';
import { Router } from 'express';
import { z } from 'zod';
import type { StatusStore } from '../domain/status-store.ts';
import { StudyStates } from '../domain/study-status.ts';

/** Deliveries per page at most, and by default: a page is one answer built in memory. */
export const MAX_STATUS_PAGE = 1000;

/** Unknown parameters are refused rather than ignored: a misspelt filter would otherwise list everything. */
const StatusListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_STATUS_PAGE).default(MAX_STATUS_PAGE),
  cursor: z.string().refine(isStudyId, 'not a cursor this service gave: pass nextCursor as it came').optional(),
  state: z.enum(StudyStates).optional(),
  study: z.string().refine(isValidUid, 'not a StudyInstanceUID (PS3.5 §9.1)').optional(),
});

/**
 * GET /status[?state=failed][&study=<StudyInstanceUID>][&limit=N][&cursor=…]: the deliveries the gateway
 * knows, oldest first, in short, a page at a time (`nextCursor` null on the last page): what
 * `npm run replay` reads to find the failed ones. The full status is at each statusUrl; /studies is the
 * browsing API over what is stored.
 */
export function statusListRouter(store: StatusStore): Router {
  const router = Router();
  router.get('/status', async (req, res) => {
    const query = StatusListQuery.parse(req.query);
    const { statuses, more } = await store.page({
      after: query.cursor,
      state: query.state,
      StudyInstanceUID: query.study,
      limit: query.limit,
    });
    const uploads = statuses.map((line) => ({ ...line, statusUrl: `/status/${line.id}` }));
    res.json({ uploads, nextCursor: more ? uploads[uploads.length - 1]!.id : null });
  });
  return router;
}
