import express, { type Express, type RequestHandler, type Router } from 'express';
import helmet from 'helmet';
import type { ServiceName } from '../events/event-catalog.ts';
import type { Logger } from '../logging/logger.ts';
import { errorHandler, notFoundHandler, type ErrorTranslator } from './error-handler.ts';
import { requestContext } from './request-context.ts';

export interface ServiceAppOptions {
  service: ServiceName;
  version: string;
  logger: Logger;
  routes: Router[];
  translators?: readonly ErrorTranslator[];
  /** Runs before every route but /health and /ready (authentication). */
  guard?: RequestHandler;
  /** Runs before everything (CORS). */
  before?: RequestHandler;
  /** Answers GET /ready; a service with dependencies reports them here. */
  readiness?: () => Promise<{ ready: boolean; checks: Record<string, unknown> }>;
}

/** The skeleton every service shares: helmet, ids, /health, /ready, the routes, a JSON 404, one error handler. */
export function createServiceApp(options: ServiceAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(helmet());
  if (options.before) app.use(options.before);
  app.use(requestContext());
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', service: options.service, version: options.version, uptimeSeconds: Math.round(process.uptime()) });
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
  for (const router of options.routes) app.use(router);
  app.use(notFoundHandler());
  app.use(errorHandler(options.logger, options.translators));
  return app;
}
