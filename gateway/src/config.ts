import { byteSize, host, loadConfig, port, url, type DeepReadonly, type EnvBinding } from '@dsv/common';
import { z } from 'zod';

export const GatewayConfigSchema = z.strictObject({
  host,
  port,
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  validatorUrl: url,
  descriptorUrl: url,
  stagingDir: z.string().min(1),
  statusDir: z.string().min(1),
  limits: z.strictObject({
    maxFileBytes: byteSize,
    maxFiles: z.number().int().positive(),
    maxUploadBytes: byteSize,
    maxFieldBytes: byteSize,
    maxParts: z.number().int().positive(),
  }),
  pipeline: z.strictObject({
    concurrency: z.number().int().min(1).max(64),
    requestTimeoutMs: z.number().int().positive(),
    retry: z.strictObject({
      attempts: z.number().int().min(1).max(20),
      baseDelayMs: z.number().int().min(0),
      maxDelayMs: z.number().int().min(0),
    }),
  }),
  http: z.strictObject({
    requestTimeoutMs: z.number().int().min(0),
    headersTimeoutMs: z.number().int().positive(),
  }),
});

export type GatewayConfig = DeepReadonly<z.infer<typeof GatewayConfigSchema>>;

export const GatewayEnv: readonly EnvBinding[] = [
  { env: 'GATEWAY_PORT', key: 'port', type: 'integer' },
  { env: 'GATEWAY_HOST', key: 'host', type: 'string' },
  { env: 'VALIDATOR_URL', key: 'validatorUrl', type: 'string' },
  { env: 'DESCRIPTOR_URL', key: 'descriptorUrl', type: 'string' },
  { env: 'STAGING_DIR', key: 'stagingDir', type: 'string' },
  { env: 'STATUS_DIR', key: 'statusDir', type: 'string' },
  { env: 'LOG_LEVEL', key: 'logLevel', type: 'string' },
];

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return loadConfig({ name: 'gateway', schema: GatewayConfigSchema, bindings: GatewayEnv, env });
}
