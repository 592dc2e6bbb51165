import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createEventBus, createLogger, EventTypes, listen, type Logger } from '@dsv/common';
import { createApp } from './app.ts';
import { createDescriptorClient } from './clients/descriptor-client.ts';
import { createValidatorClient } from './clients/validator-client.ts';
import type { GatewayConfig } from './config.ts';
import { StatusStore } from './domain/status-store.ts';
import { StudyPipeline } from './domain/study-pipeline.ts';
import { TerminalStates } from './domain/study-status.ts';

export interface RunningGateway {
  url: string;
  port: number;
  pipeline: StudyPipeline;
  close(): Promise<void>;
}

export async function startGateway(config: GatewayConfig, options: { logger?: Logger } = {}): Promise<RunningGateway> {
  const logger = options.logger ?? createLogger('gateway', config.logLevel);
  const events = createEventBus(logger, EventTypes.filter((type) => type.startsWith('study.')));
  await mkdir(path.resolve(config.stagingDir), { recursive: true });
  const store = new StatusStore(path.resolve(config.statusDir), logger);
  const known = await store.open();
  const pipeline = new StudyPipeline({
    store,
    events,
    logger,
    validator: createValidatorClient(config.validatorUrl, config.pipeline.requestTimeoutMs, config.internalToken),
    descriptor: createDescriptorClient(config.descriptorUrl, config.pipeline.requestTimeoutMs, config.internalToken),
    stagingDir: config.stagingDir,
    concurrency: config.pipeline.concurrency,
    retry: config.pipeline.retry,
  });
  const app = createApp({ config, logger, events, store, pipeline });
  const server = await listen(app, {
    host: config.host,
    port: config.port,
    requestTimeoutMs: config.http.requestTimeoutMs,
    headersTimeoutMs: config.http.headersTimeoutMs,
  });
  // Studies accepted before a stop or a crash are finished now: nothing accepted is lost.
  const unfinished = known.filter((status) => !TerminalStates.has(status.state));
  for (const status of unfinished) void pipeline.submit(status.id).catch(() => undefined);
  logger.info({ url: server.url, resumed: unfinished.length }, 'listening');
  return {
    url: server.url,
    port: server.port,
    pipeline,
    close: async () => {
      await server.close();
      await pipeline.drain();
    },
  };
}
