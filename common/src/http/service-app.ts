import express, { type Express, type RequestHandler, type Router } from 'express';
import helmet from 'helmet';
import type { ServiceName } from '../events/event-catalog.ts';
import type { Logger } from '../logging/logger.ts';
import type { ServiceMetrics } from '../metrics/service-metrics.ts';
import { accessLog } from './access-log.ts';
import { SkeletonRoutes } from './api/skeleton-api.ts';
import { buildOpenApi, type ApiDescription } from './openapi.ts';
import { errorHandler, notFoundHandler, type ErrorTranslator } from './error-handler.ts';
import { requestContext } from './request-context.ts';
import { SERVICE_VERSION } from './service-version.ts';

export interface ServiceAppOptions {
  service: ServiceName;
  /** SERVICE_VERSION unless a test pins another. */
  version?: string;
  logger: Logger;
  routes: Router[];
  translators?: readonly ErrorTranslator[];
  /** Runs before every route but /health and /ready (authentication). */
  guard?: RequestHandler;
  /** Runs before everything (CORS). */
  before?: RequestHandler;
  /** Answers GET /ready; a service with dependencies reports them here. */
  readiness?: () => Promise<{ ready: boolean; checks: Record<string, unknown> }>;
  /** Served as GET /metrics (Prometheus text), behind the guard; request durations are observed into it. */
  metrics?: ServiceMetrics;
  /** The service's routes, served with the skeleton's as GET /openapi.json (OpenAPI 3.1), behind the guard. */
  api?: ApiDescription;
}

/** The service's API with the skeleton's own routes, as /openapi.json describes it. */
export function describeServiceApi(api: ApiDescription, options: { metrics: boolean }): ApiDescription {
  const skeleton = SkeletonRoutes.filter((route) => route.path !== '/metrics' || options.metrics);
  return { ...api, routes: [...skeleton, ...api.routes] };
}

/**
 * The skeleton every service shares: helmet, ids, an access log, /health, /ready, then behind the guard
 * /metrics and the routes, a JSON 404, one error handler. Only the probes are open: metrics tell how busy
 * a service is and how many studies it holds, which is for its operators.
 */
export function createServiceApp(options: ServiceAppOptions): Express {
  const version = options.version ?? SERVICE_VERSION;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(helmet());
  if (options.before) app.use(options.before);
  app.use(requestContext());
  app.use(accessLog(options.logger, options.metrics));
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', service: options.service, version, uptimeSeconds: Math.round(process.uptime()) });
  });
  app.get('/ready', async (_req, res, next) => {
    try {
      const readiness = (await options.readiness?.()) ?? { ready: true, checks: {} };
      res.status(readiness.ready ? 200 : 503).json({ service: options.service, ...readiness });
    } catch (error) {
      next(error);
    }
  });
  if (options.guard) app.use(options.guard);
  const { metrics, api } = options;
  if (metrics) {
    app.get('/metrics', async (_req, res) => {
      res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    });
  }
  if (api) {
    // Built at the first call: route tests make many apps that are never asked for it.
    let document: Record<string, unknown> | undefined;
    app.get('/openapi.json', (_req, res) => {
      document ??= buildOpenApi(describeServiceApi(api, { metrics: Boolean(metrics) }), version);
      res.json(document);
    });
  }
  for (const router of options.routes) app.use(router);
  app.use(notFoundHandler());
  app.use(errorHandler(options.logger, options.translators));
  return app;
}
