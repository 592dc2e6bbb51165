import { ValidatorApi, createServiceApp, createServiceMetrics, observeEvents, requireToken, type EventBus, type Logger } from '@dsv/common';
import type { Express } from 'express';
import type { ValidatorConfig } from './config.ts';
import { validationsRouter } from './routes/validations.ts';
import { studyChecksRouter } from './routes/study-checks.ts';

export interface ValidatorDeps {
  config: ValidatorConfig;
  logger: Logger;
  events: EventBus;
  /** Node's process metrics in GET /metrics: the running service has them, the route tests need not. */
  processMetrics?: boolean;
}

/** The validator's HTTP app, built from its dependencies and never listening: tests drive it with supertest. */
export function createApp(deps: ValidatorDeps): Express {
  const metrics = createServiceMetrics('validator', { processMetrics: deps.processMetrics ?? false });
  observeEvents(deps.events, metrics);
  return createServiceApp({
    service: 'validator',
    api: ValidatorApi,
    logger: deps.logger,
    metrics,
    // Only the gateway calls this service: it must carry the internal token (when one is configured).
    guard: requireToken({ tokens: deps.config.internalToken ? [deps.config.internalToken] : [] }),
    routes: [validationsRouter(deps), studyChecksRouter(deps)],
  });
}
