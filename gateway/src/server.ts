import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger, DEFAULT_SHUTDOWN_TIMEOUT_MS, listen, type Logger } from '@dsv/common';
import { composeGateway, type GatewayParts } from './compose-gateway.ts';
import type { GatewayConfig } from './config.ts';
import { StudyPipeline } from './domain/study-pipeline.ts';
import { RetentionSweeper } from './domain/retention.ts';
import { sweepStaging } from './domain/sweep-staging.ts';
import { announceAssociationWith } from './dimse/announce-association.ts';
import { storeInstanceWith, type StoreInstanceDeps } from './dimse/store-instance.ts';

export interface RunningGateway {
  url: string;
  port: number;
  /** The DICOM (C-STORE) port, or null when dimse.port is 0. */
  dimsePort: number | null;
  pipeline: StudyPipeline;
  /**
   * Stops taking new work and the stability timer, then lets the requests, deliveries and the stability
   * check in flight finish, for at most the shutdown timeout. A delivery still unfinished then is
   * resumed at the next start, from its last written state.
   */
  close(): Promise<{ unfinished: number }>;
}

export interface GatewayOptions {
  logger?: Logger;
  /** How long close() waits for work in flight; config http.shutdownTimeoutMs when absent. */
  shutdownTimeoutMs?: number;
}

export async function startGateway(config: GatewayConfig, options: GatewayOptions = {}): Promise<RunningGateway> {
  const logger = options.logger ?? createLogger('gateway', config.logLevel);
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? config.http.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
  const stagingDir = path.resolve(config.stagingDir);
  await mkdir(stagingDir, { recursive: true });
  const { app, pipeline, store, data, stability, opened, events, stagingFolders, associations, siblings } = await composeGateway(
    config,
    logger,
    {
      processMetrics: true,
    },
  );
  const swept = await sweepStaging(stagingDir, (id) => store.stateOf(id));
  const server = await listen(app, {
    host: config.host,
    port: config.port,
    requestTimeoutMs: config.http.requestTimeoutMs,
    headersTimeoutMs: config.http.headersTimeoutMs,
    shutdownTimeoutMs,
  });
  // The DICOM door, loaded only when on (dcmjs-dimse and its codecs weigh more than the rest of the gateway).
  const dimse =
    config.dimse.port === 0
      ? null
      : await startDimse(config, logger, { pipeline, store, events, stagingFolders, associations, data }, stagingDir);
  // Studies accepted before a stop or a crash are finished now: nothing accepted is lost.
  const { unfinished } = opened;
  for (const status of unfinished)
    void pipeline.resume(status.id).catch((error: unknown) => logger.error({ studyId: status.id, err: error }, 'resume failed'));
  // Studies left receiving by the last run are checked when due, as if it had not stopped.
  stability.start();
  const retention = new RetentionSweeper({ data, associations, policy: config.retention, logger });
  retention.start();
  logger.info({ url: server.url, known: opened.count, resumed: unfinished.length, stagingRemoved: swept.removed }, 'listening');
  let closing: Promise<{ unfinished: number }> | null = null;
  return {
    url: server.url,
    port: server.port,
    dimsePort: dimse?.port ?? null,
    pipeline,
    close: () => {
      closing ??= (async () => {
        logger.info({ inFlight: pipeline.pending, shutdownTimeoutMs }, 'shutting down');
        const deadline = sleep(shutdownTimeoutMs, undefined, { ref: false }).then(() => false);
        const settled = Promise.all([pipeline.drain(), stability.stop(), retention.stop()]).then(() => true);
        const [, ended] = await Promise.all([server.close(shutdownTimeoutMs), Promise.race([settled, deadline]), dimse?.close()]);
        const left = pipeline.pending;
        if (left > 0) logger.warn({ unfinished: left }, 'shutdown timeout: unfinished deliveries resume at the next start');
        // Work still running writes on: the database and the siblings' connections stay open for it until the process ends.
        if (ended) await Promise.all([data.close(), siblings.validator.close(), siblings.descriptor.close()]);
        return { unfinished: left };
      })();
      return closing;
    },
  };
}

async function startDimse(
  config: GatewayConfig,
  logger: Logger,
  parts: StoreInstanceDeps & Pick<GatewayParts, 'stagingFolders' | 'associations' | 'data'>,
  stagingDir: string,
) {
  const { startDimseReceiver } = await import('./dimse/dimse-receiver.ts');
  return startDimseReceiver({
    config: config.dimse,
    stagingDir,
    logger,
    statuses: parts.associations,
    announce: announceAssociationWith({ events: parts.events, feed: parts.data, logger }),
    store: storeInstanceWith(parts),
    folders: parts.stagingFolders,
  });
}
