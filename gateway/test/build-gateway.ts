import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '@dsv/common';
import type { createApp } from '../src/app.ts';
import { composeGateway } from '../src/compose-gateway.ts';
import { GatewayConfigSchema, type GatewayConfig } from '../src/config.ts';
import type { GatewayData } from '../src/data/gateway-data.ts';
import type { StatusStore } from '../src/domain/status-store.ts';
import type { StudyPipeline } from '../src/domain/study-pipeline.ts';

/** A port nothing listens on: the siblings are "down". */
export const DEAD_URL = 'http://127.0.0.1:9';

export interface TestGateway {
  app: ReturnType<typeof createApp>;
  config: GatewayConfig;
  store: StatusStore;
  data: GatewayData;
  pipeline: StudyPipeline;
  dir: string;
  cleanup(): Promise<void>;
}

/** The gateway as startGateway composes it (composeGateway), on temporary folders, with config overrides. */
export async function buildGateway(
  overrides: {
    limits?: Partial<GatewayConfig['limits']>;
    validatorUrl?: string;
    descriptorUrl?: string;
    apiKeys?: string[];
    allowedOrigins?: string[];
    http?: Partial<GatewayConfig['http']>;
    retry?: Partial<GatewayConfig['pipeline']['retry']>;
    stableAfterSeconds?: number;
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
    dataDir: path.join(dir, 'var'),
    stableAfterSeconds: overrides.stableAfterSeconds ?? 10,
    limits: { maxFileBytes: 1 << 20, maxFiles: 5, maxUploadBytes: 2 << 20, maxFieldBytes: 1024, maxParts: 10, ...overrides.limits },
    pipeline: {
      concurrency: 2,
      requestTimeoutMs: 5000,
      transport: 'reference',
      retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5, ...overrides.retry },
    },
    http: { requestTimeoutMs: 10_000, headersTimeoutMs: 5000, ...overrides.http },
  }) as GatewayConfig;
  const { app, store, data, pipeline } = await composeGateway(config, createLogger('gateway', 'silent'));
  return {
    app,
    config,
    store,
    data,
    pipeline,
    dir,
    cleanup: async () => {
      await pipeline.drain();
      await data.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
