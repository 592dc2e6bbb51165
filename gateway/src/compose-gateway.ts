import path from 'node:path';
import { createEventBus, EventTypes, type EventBus, type Logger } from '@dsv/common';
import type { Express } from 'express';
import { createApp } from './app.ts';
import { createDescriptorClient } from './clients/descriptor-client.ts';
import { createValidatorClient } from './clients/validator-client.ts';
import type { GatewayConfig } from './config.ts';
import { InstanceIndex } from './domain/instance-index.ts';
import { StatusStore, type OpenedStatuses } from './domain/status-store.ts';
import { SpareFolders } from './upload/spare-folders.ts';
import { StudyPipeline } from './domain/study-pipeline.ts';
import { UploadIndex } from './domain/upload-index.ts';

export interface GatewayParts {
  app: Express;
  events: EventBus;
  store: StatusStore;
  pipeline: StudyPipeline;
  uploads: UploadIndex;
  instances: InstanceIndex;
  /** What was read back from disk. */
  opened: OpenedStatuses;
}

/**
 * The gateway's objects wired together from its config, with the persisted statuses read back: what
 * startGateway listens with, and what the route tests drive with supertest.
 */
export async function composeGateway(config: GatewayConfig, logger: Logger): Promise<GatewayParts> {
  const events = createEventBus(logger, EventTypes.filter((type) => type.startsWith('study.')));
  const store = new StatusStore(path.resolve(config.statusDir), logger, { finishedInMemory: config.finishedStatusesInMemory });
  const uploads = new UploadIndex();
  const instances = new InstanceIndex();
  // One status at a time, oldest first: the indexes are built without holding every status at once.
  const opened = await store.open((status) => {
    uploads.add(status);
    instances.add(status);
  });
  const spares = new SpareFolders(path.resolve(config.stagingDir));
  spares.open();
  const target = { timeoutMs: config.pipeline.requestTimeoutMs, internalToken: config.internalToken, transport: config.pipeline.transport, logger };
  const pipeline = new StudyPipeline({
    store,
    events,
    logger,
    validator: createValidatorClient({ ...target, baseUrl: config.validatorUrl }),
    descriptor: createDescriptorClient({ ...target, baseUrl: config.descriptorUrl }),
    stagingDir: config.stagingDir,
    concurrency: config.pipeline.concurrency,
    retry: config.pipeline.retry,
    describeAhead: config.pipeline.describeAhead,
    instances,
    spares,
  });
  const app = createApp({ config, logger, events, store, pipeline, uploads, spares });
  return { app, events, store, pipeline, uploads, instances, opened };
}
