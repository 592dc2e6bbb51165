import path from 'node:path';
import { createEventBus, EventTypes, type EventBus, type Logger } from '@dsv/common';
import type { Express } from 'express';
import { createApp } from './app.ts';
import { createDescriptorClient } from './clients/descriptor-client.ts';
import { createSiblingAgents, type SiblingAgents } from './clients/sibling-agents.ts';
import { createValidatorClient } from './clients/validator-client.ts';
import type { GatewayConfig } from './config.ts';
import type { GatewayData } from './data/gateway-data.ts';
import { DATABASE_FILE, openGatewayDb } from './data/gateway-db.ts';
import { StabilityScheduler, type Clock } from './domain/stability-scheduler.ts';
import { StatusStore, type OpenedStatuses } from './domain/status-store.ts';
import { StudyPipeline } from './domain/study-pipeline.ts';
import { AssociationStatuses, associationStatusDir } from './dimse/association-statuses.ts';
import { StagingFolders } from './upload/staging-folders.ts';

export interface GatewayParts {
  app: Express;
  events: EventBus;
  data: GatewayData;
  store: StatusStore;
  pipeline: StudyPipeline;
  stability: StabilityScheduler;
  stagingFolders: StagingFolders;
  /** The DICOM associations' statuses (the receiver itself is started by startGateway). */
  associations: AssociationStatuses;
  /** What was read back from the database. */
  opened: OpenedStatuses;
  /** The connection pools to the validator and the descriptor, closed when the gateway stops. */
  siblings: SiblingAgents;
}

/**
 * The gateway's objects wired together from its config, with the unfinished statuses read back: what
 * startGateway listens with, and what the route tests drive with supertest. The stability timer is not
 * started here (startGateway starts it).
 */
export async function composeGateway(
  config: GatewayConfig,
  logger: Logger,
  options: { clock?: Clock; processMetrics?: boolean } = {},
): Promise<GatewayParts> {
  const events = createEventBus(
    logger,
    EventTypes.filter((type) => type.startsWith('study.') || type.startsWith('association.')),
  );
  const data = openGatewayDb(path.join(path.resolve(config.dataDir), DATABASE_FILE));
  const store = new StatusStore(data);
  const opened = await store.open();
  const stagingFolders = new StagingFolders(path.resolve(config.stagingDir));
  stagingFolders.open();
  const siblings = createSiblingAgents(config);
  const target = {
    timeoutMs: config.pipeline.requestTimeoutMs,
    internalToken: config.internalToken,
    transport: config.pipeline.transport,
    logger,
  };
  const validator = createValidatorClient({ ...target, baseUrl: config.validatorUrl, agent: siblings.validator });
  const descriptor = createDescriptorClient({ ...target, baseUrl: config.descriptorUrl, agent: siblings.descriptor });
  const stableAfterMs = config.stableAfterSeconds * 1000;
  const stability = new StabilityScheduler({
    data,
    store,
    descriptor,
    validator,
    events,
    logger,
    stableAfterMs,
    retry: config.pipeline.retry,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const pipeline = new StudyPipeline({
    store,
    events,
    logger,
    validator,
    descriptor,
    stagingDir: config.stagingDir,
    concurrency: config.pipeline.concurrency,
    retry: config.pipeline.retry,
    stableAfterMs,
    onJoined: (checkAfter) => stability.wake(checkAfter),
    stagingFolders,
  });
  const associations = new AssociationStatuses(associationStatusDir(config.dataDir));
  const app = createApp({
    config,
    logger,
    events,
    store,
    data,
    pipeline,
    stagingFolders,
    siblings,
    associations,
    processMetrics: options.processMetrics ?? false,
  });
  return { app, events, data, store, pipeline, stability, stagingFolders, associations, opened, siblings };
}
