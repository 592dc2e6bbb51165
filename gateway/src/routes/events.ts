import { Router } from 'express';
import { z } from 'zod';
import type { GatewayData } from '../data/gateway-data.ts';

export const DEFAULT_EVENTS_PAGE = 100;
export const MAX_EVENTS_PAGE = 1000;

/** Unknown parameters are refused, as GET /status refuses them. */
const EventsQuery = z.strictObject({
  since: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(MAX_EVENTS_PAGE).default(DEFAULT_EVENTS_PAGE),
});

/**
 * GET /events[?since=<seq>][&limit=N]: the lifecycle events of every delivery, and study.stable, as a
 * durable feed in the order they were written (after Orthanc's /changes: `last` is what to pass as
 * `since` next, `done` that nothing follows yet). `seq` only grows; an event is in the feed once the
 * status that holds it is written.
 */
export function eventsRouter(feed: Pick<GatewayData, 'readEvents'>): Router {
  const router = Router();
  router.get('/events', async (req, res) => {
    const { since, limit } = EventsQuery.parse(req.query);
    const { events, done } = await feed.readEvents(since, limit);
    res.json({ events, last: events.at(-1)?.seq ?? since, done });
  });
  return router;
}
