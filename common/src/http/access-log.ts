import type { RequestHandler } from 'express';
import type { Logger } from '../logging/logger.ts';
import type { ServiceMetrics } from '../metrics/service-metrics.ts';

/** Probes come every few seconds from orchestrators: logged at debug, so they do not drown the rest. */
const PROBES = new Set(['/health', '/ready']);

/** The routes the services call on one another; every other route is for clients and operators. */
const INTERNAL_ROUTE = /^\/v1\//;

/**
 * One log line per request once it is answered (or its connection is gone), and its duration in the
 * metrics. The route is the express pattern (`/studies/:key`), null when no route matched: never the
 * URL, whose path holds ids and whose query may hold a PatientID. Requests on the internal routes are
 * also counted here, where they are received, so the calling side's clients need no counting of their own.
 * Their lines are at debug, as the probes' are: a delivery's every step is already an event logged at info
 * by the service that took it, and the internal calls come as often as deliveries do; a failed one is
 * logged at info all the same.
 */
export function accessLog(logger: Logger, metrics?: ServiceMetrics): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = typeof req.route?.path === 'string' ? req.route.path : null;
      const line = {
        requestId: req.requestId,
        method: req.method,
        route,
        status: res.statusCode,
        durationMs: Math.round(seconds * 1e4) / 10,
        // The client went away before the whole answer was written.
        ...(res.writableFinished ? {} : { aborted: true }),
      };
      const internal = route !== null && INTERNAL_ROUTE.test(route);
      const routine = route !== null && (PROBES.has(route) || (internal && res.statusCode < 400 && res.writableFinished));
      if (routine) logger.debug(line, 'request');
      else logger.info(line, 'request');
      metrics?.httpDuration.observe({ method: req.method, route: route ?? 'unmatched', status: String(res.statusCode) }, seconds);
      if (internal) metrics?.internalRequests.inc({ route });
    });
    next();
  };
}
