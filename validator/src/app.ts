import { createServiceApp, requireToken, type EventBus, type Logger } from '@dsv/common';
import type { Express } from 'express';
import type { ValidatorConfig } from './config.ts';
import { validationsRouter } from './routes/validations.ts';
import { validationsBatchRouter } from './routes/validations-batch.ts';
import { studyChecksRouter } from './routes/study-checks.ts';

export interface ValidatorDeps {
  config: ValidatorConfig;
  logger: Logger;
  events: EventBus;
}

/** The validator's HTTP app, built from its dependencies and never listening: tests drive it with supertest. */
export function createApp(deps: ValidatorDeps): Express {
  return createServiceApp({
    service: 'validator',
    version: '0.1.0',
    logger: deps.logger,
    // Only the gateway calls this service: it must carry the internal token (when one is configured).
    guard: requireToken({ tokens: deps.config.internalToken ? [deps.config.internalToken] : [] }),
    routes: [validationsRouter(deps), validationsBatchRouter(deps), studyChecksRouter(deps)],
  });
}
