import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createEventBus, createLogger, EventTypes } from '@dsv/common';
import { createApp } from '../src/app.ts';
import { createDescriptorClient } from '../src/clients/descriptor-client.ts';
import { createValidatorClient } from '../src/clients/validator-client.ts';
import { GatewayConfigSchema, type GatewayConfig } from '../src/config.ts';
import { InstanceIndex } from '../src/domain/instance-index.ts';
import { StatusStore } from '../src/domain/status-store.ts';
import { StudyPipeline } from '../src/domain/study-pipeline.ts';
import { UploadIndex } from '../src/domain/upload-index.ts';

/** A port nothing listens on: the siblings are "down". */
export const DEAD_URL = 'http://127.0.0.1:9';

export interface TestGateway {
  app: ReturnType<typeof createApp>;
  config: GatewayConfig;
  store: StatusStore;
  pipeline: StudyPipeline;
  uploads: UploadIndex;
  instances: InstanceIndex;
  dir: string;
  cleanup(): Promise<void>;
}

/** The gateway app as main.ts builds it, on temporary folders, with config overrides. */
export async function buildGateway(
  overrides: {
    limits?: Partial<GatewayConfig['limits']>;
    validatorUrl?: string;
    descriptorUrl?: string;
    apiKeys?: string[];
    allowedOrigins?: string[];
    http?: Partial<GatewayConfig['http']>;
    retry?: Partial<GatewayConfig['pipeline']['retry']>;
  } = {},
): Promise<TestGateway> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-gateway-'));
  const config = GatewayConfigSchema.parse({
    host: '127.0.0.1',
    port: 0,
    logLevel: 'silent',
    auth: { apiKeys: overrides.apiKeys ?? [] },
    cors: { allowedOrigins: overrides.allowedOrigins ?? [] },
    internalToken: '',
    validatorUrl: overrides.validatorUrl ?? DEAD_URL,
    descriptorUrl: overrides.descriptorUrl ?? DEAD_URL,
    stagingDir: path.join(dir, 'staging'),
    statusDir: path.join(dir, 'status'),
    limits: { maxFileBytes: 1 << 20, maxFiles: 5, maxUploadBytes: 2 << 20, maxFieldBytes: 1024, maxParts: 10, ...overrides.limits },
    pipeline: { concurrency: 2, requestTimeoutMs: 5000, retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5, ...overrides.retry } },
    http: { requestTimeoutMs: 10_000, headersTimeoutMs: 5000, ...overrides.http },
  }) as GatewayConfig;
  const logger = createLogger('gateway', 'silent');
  const events = createEventBus(logger, EventTypes);
  const store = new StatusStore(config.statusDir, logger);
  const known = await store.open();
  const uploads = UploadIndex.build(known);
  const instances = InstanceIndex.build(known);
  const pipeline = new StudyPipeline({
    store,
    events,
    logger,
    validator: createValidatorClient(config.validatorUrl, 5000),
    descriptor: createDescriptorClient(config.descriptorUrl, 5000),
    stagingDir: config.stagingDir,
    concurrency: 2,
    retry: config.pipeline.retry,
    instances,
  });
  const app = createApp({ config, logger, events, store, pipeline, uploads });
  return {
    app,
    config,
    store,
    pipeline,
    uploads,
    instances,
    dir,
    cleanup: async () => {
      await pipeline.drain();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
