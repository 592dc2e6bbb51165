import { createServiceApp, requireToken, type EventBus, type Logger } from '@dsv/common';
import type { Express } from 'express';
import type { DescriptorConfig } from './config.ts';
import type { HeaderDescription } from './domain/compose-study.ts';
import { PreparedFiles } from './domain/prepared-files.ts';
import type { StudyIndex } from './domain/study-index.ts';
import { browseRouter } from './routes/browse.ts';
import { studiesRouter } from './routes/studies.ts';

export interface DescriptorDeps {
  config: DescriptorConfig;
  logger: Logger;
  events: EventBus;
  /** The clock of createdAt; tests pin it. */
  now?: () => Date;
  /** The studies on disk, built at start-up (StudyIndex.build); kept up to date as studies are published. */
  index: StudyIndex;
}

/** The descriptor's express app, without a port: supertest drives it directly. */
export function createApp(deps: DescriptorDeps): Express {
  const routeDeps = { ...deps, prepared: new PreparedFiles<HeaderDescription>() };
  return createServiceApp({
    service: 'descriptor',
    version: '0.1.0',
    logger: deps.logger,
    // Only the gateway calls this service: it must carry the internal token (when one is configured).
    guard: requireToken({ tokens: deps.config.internalToken ? [deps.config.internalToken] : [] }),
    routes: [studiesRouter(routeDeps), browseRouter(routeDeps)],
  });
}
