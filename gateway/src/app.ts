import path from 'node:path';
import {
  GatewayApi,
  addStorageGauges,
  createServiceApp,
  createServiceMetrics,
  folderBytes,
  observeEvents,
  requireToken,
  type EventBus,
  type Logger,
  type ServiceMetrics,
} from '@dsv/common';
import cors from 'cors';
import type { Express } from 'express';
import type { ServiceAgent } from './clients/service-call.ts';
import type { SiblingAgents } from './clients/sibling-agents.ts';
import type { GatewayConfig } from './config.ts';
import type { GatewayData } from './data/gateway-data.ts';
import { DATABASE_FILE } from './data/gateway-db.ts';
import type { StatusStore } from './domain/status-store.ts';
import type { StudyPipeline } from './domain/study-pipeline.ts';
import { associationStatusRouter } from './dimse/association-status-route.ts';
import type { AssociationStatuses } from './dimse/association-statuses.ts';
import { sendStudyRouter } from './dimse/send-study-route.ts';
import { browseProxyRouter } from './routes/browse-proxy.ts';
import { eventsRouter } from './routes/events.ts';
import { retryRouter } from './routes/retry.ts';
import { statusRouter } from './routes/status.ts';
import { statusListRouter } from './routes/status-list.ts';
import { uploadRouter } from './routes/upload.ts';
import type { StagingFolders } from './upload/staging-folders.ts';

export interface GatewayDeps {
  config: GatewayConfig;
  logger: Logger;
  events: EventBus;
  store: StatusStore;
  data: GatewayData;
  pipeline: StudyPipeline;
  stagingFolders: StagingFolders;
  /** The connection pools to the validator and the descriptor, shared with the pipeline's clients. */
  siblings: SiblingAgents;
  /** Node's process metrics in GET /metrics: the running service has them, the route tests need not. */
  processMetrics?: boolean;
  /** The DICOM associations' statuses (GET /status/<association id>); absent: none are served. */
  associations?: AssociationStatuses;
}

export function createApp(deps: GatewayDeps): Express {
  return createServiceApp({
    service: 'gateway',
    api: GatewayApi,
    logger: deps.logger,
    metrics: gatewayMetrics(deps),
    guard: requireToken({ tokens: deps.config.auth.apiKeys, header: 'x-api-key' }),
    // No CORS headers at all unless origins are configured: browsers then refuse cross-origin calls.
    ...(deps.config.cors.allowedOrigins.length > 0
      ? {
          before: cors({
            origin: [...deps.config.cors.allowedOrigins],
            exposedHeaders: [
              'Location',
              'x-request-id',
              'x-correlation-id',
              'Content-Range',
              'Accept-Ranges',
              'ETag',
              'Content-Disposition',
            ],
          }),
        }
      : {}),
    routes: [
      uploadRouter(deps),
      ...(deps.associations ? [associationStatusRouter(deps.associations)] : []),
      statusRouter(deps.store, deps.data),
      statusListRouter(deps.store),
      eventsRouter(deps.data),
      retryRouter(deps.pipeline),
      sendStudyRouter(deps.config, deps.logger, deps.siblings.descriptor),
      browseProxyRouter(deps.config, deps.siblings.descriptor),
    ],
    readiness: () => checkDependencies(deps.siblings),
  });
}

/** The events, the pipeline's load, the database and the staging folder. */
function gatewayMetrics(deps: GatewayDeps): ServiceMetrics {
  const metrics = createServiceMetrics('gateway', { processMetrics: deps.processMetrics ?? false });
  observeEvents(deps.events, metrics);
  // The pipeline runs `concurrency` deliveries at once; the others it holds wait for a slot.
  const { concurrency } = deps.config.pipeline;
  metrics.addGauge('pipeline_in_flight', 'Deliveries being validated or stored now', () => Math.min(deps.pipeline.pending, concurrency));
  metrics.addGauge('pipeline_queue_depth', 'Deliveries accepted and waiting for a pipeline slot', () =>
    Math.max(0, deps.pipeline.pending - concurrency),
  );
  const stagingDir = path.resolve(deps.config.stagingDir);
  addStorageGauges(metrics, {
    databases: { [DATABASE_FILE]: path.join(path.resolve(deps.config.dataDir), DATABASE_FILE) },
    // Staging holds only deliveries in flight and failed ones kept for a retry: a bounded walk suffices.
    folders: { staging: () => folderBytes(stagingDir) },
  });
  return metrics;
}

/** Ready means both sibling services answer their /health. */
async function checkDependencies(siblings: SiblingAgents) {
  const probe = async (agent: ServiceAgent) => {
    try {
      const { statusCode, body } = await agent.request({ path: '/health', method: 'GET', signal: AbortSignal.timeout(2000) });
      // Read off the socket, so that the connection goes back to the pool.
      await body.dump().catch(() => undefined);
      return statusCode >= 200 && statusCode <= 299 ? 'up' : `answered ${statusCode}`;
    } catch {
      return 'unreachable';
    }
  };
  const [validator, descriptor] = await Promise.all([probe(siblings.validator), probe(siblings.descriptor)]);
  return { ready: validator === 'up' && descriptor === 'up', checks: { validator, descriptor } };
}
