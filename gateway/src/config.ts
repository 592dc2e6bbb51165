import {
  byteSize,
  host,
  logLevel,
  httpTimeouts,
  internalToken,
  loadConfig,
  port,
  requireSecretOffLoopback,
  url,
  type DeepReadonly,
  type EnvBinding,
} from '@dsv/common';
import { z } from 'zod';
import { DIMSE_OFF, DimseConfigSchema, DimseEnv } from './dimse/dimse-config.ts';

/** What a config file without a retention section gets (config/gateway.json says the same). */
const RETENTION_DEFAULT = { days: 30, sweepIntervalSeconds: 3600 };

/** Each key's description is the config reference, docs/config.md (npm run docs). */
export const GatewayConfigSchema = z
  .strictObject({
    host: host.describe('Address to listen on; 127.0.0.1 keeps the gateway on this machine'),
    port: port.describe('Port to listen on (0 picks a free one)'),
    logLevel,
    auth: z.strictObject({
      apiKeys: z
        .array(z.string().min(16, 'an API key needs at least 16 characters'))
        .describe(
          'Keys a client must send (Authorization: Bearer <key> or X-API-Key) for every route but /health and /ready; empty: no check, allowed only on a loopback host',
        ),
    }),
    cors: z.strictObject({
      allowedOrigins: z.array(z.url()).describe('Browser origins allowed to call the gateway (CORS); empty: no CORS headers at all'),
    }),
    internalToken,
    validatorUrl: url.describe('Base URL of the validator service'),
    descriptorUrl: url.describe('Base URL of the descriptor service'),
    stagingDir: z.string().min(1).describe('Where uploads are received, one folder per upload, until stored or rejected'),
    dataDir: z
      .string()
      .min(1)
      .describe(
        'Where the gateway keeps its SQLite database, gateway.db: the status of every delivery, the event feed (GET /events) and the stability of each DICOM study',
      ),
    stableAfterSeconds: z
      .number()
      .int()
      .min(0)
      .describe(
        "A DICOM study is 'receiving' until no delivery has reached it for this long, then 'stable' (its study-level checks run, event study.stable); 0: stable right after each delivery",
      ),
    limits: z.strictObject({
      maxFileBytes: byteSize.describe('Largest file of an upload, in bytes (413 UPLOAD_FILE_TOO_LARGE)'),
      maxFiles: z.number().int().positive().describe('Most files in one upload (413 UPLOAD_TOO_MANY_FILES)'),
      maxUploadBytes: byteSize.describe('Largest upload, all files together, in bytes (413 UPLOAD_TOO_LARGE)'),
      maxFieldBytes: byteSize.describe('Largest non-file form field, in bytes'),
      maxParts: z.number().int().positive().describe('Most multipart parts, files and fields together (413 UPLOAD_TOO_MANY_PARTS)'),
    }),
    pipeline: z.strictObject({
      concurrency: z.number().int().min(1).max(64).describe('Studies processed at the same time'),
      requestTimeoutMs: z.number().int().positive().describe('How long one call to the validator or descriptor may take'),
      transport: z
        .enum(['reference', 'stream'])
        .describe(
          "How staged files reach the validator and descriptor: 'reference' names them and the services read them from the shared stagingDir (falls back to 'stream' when a service cannot see them); 'stream' sends their bytes over HTTP, for services on other hosts",
        ),
      retry: z.strictObject({
        attempts: z.number().int().min(1).max(20).describe('Calls to a sibling service before the study fails with 503'),
        baseDelayMs: z.number().int().min(0).describe('First backoff delay; doubles at each attempt, with full jitter'),
        maxDelayMs: z.number().int().min(0).describe('Longest backoff delay'),
      }),
    }),
    retention: z
      .strictObject({
        days: z
          .number()
          .min(0)
          .max(36_500)
          .describe(
            "How long the gateway keeps the statuses of stored and rejected deliveries, their events in the feed (GET /events), the feed's other events, the DICOM associations' statuses and the stability clocks of studies stable that long that no kept status names, in days (fractions allowed); failed deliveries stay until they run again; 0: kept for good. The archive (descriptor) keeps every study, its deliveries and validation.log regardless",
          ),
        // At most a week: a timer beyond 2^31 - 1 ms would fire at once, and again, and again.
        sweepIntervalSeconds: z
          .number()
          .int()
          .min(1)
          .max(604_800)
          .describe('How often what is older than retention.days is removed (and at start-up)'),
      })
      .default(RETENTION_DEFAULT),
    dimse: DimseConfigSchema.default(DIMSE_OFF),
    http: httpTimeouts.extend({
      shutdownTimeoutMs: httpTimeouts.shape.shutdownTimeoutMs.describe(
        'On SIGTERM, how long uploads and studies in flight may take to finish before the gateway exits; unfinished studies resume at the next start',
      ),
    }),
  })
  .superRefine((config, ctx) => {
    requireSecretOffLoopback(config, config.auth.apiKeys, ['auth', 'apiKeys'], 'GATEWAY_API_KEYS', ctx);
  });

export type GatewayConfig = DeepReadonly<z.infer<typeof GatewayConfigSchema>>;

export const GatewayEnv: readonly EnvBinding[] = [
  { env: 'GATEWAY_PORT', key: 'port', type: 'integer' },
  { env: 'GATEWAY_HOST', key: 'host', type: 'string' },
  { env: 'GATEWAY_API_KEYS', key: 'auth.apiKeys', type: 'list' },
  { env: 'CORS_ORIGINS', key: 'cors.allowedOrigins', type: 'list' },
  { env: 'INTERNAL_TOKEN', key: 'internalToken', type: 'string' },
  { env: 'VALIDATOR_URL', key: 'validatorUrl', type: 'string' },
  { env: 'DESCRIPTOR_URL', key: 'descriptorUrl', type: 'string' },
  { env: 'STAGING_DIR', key: 'stagingDir', type: 'string' },
  { env: 'DATA_DIR', key: 'dataDir', type: 'string' },
  { env: 'STABLE_AFTER_SECONDS', key: 'stableAfterSeconds', type: 'integer' },
  { env: 'PIPELINE_TRANSPORT', key: 'pipeline.transport', type: 'string' },
  { env: 'LOG_LEVEL', key: 'logLevel', type: 'string' },
  { env: 'RETENTION_DAYS', key: 'retention.days', type: 'integer' },
  ...DimseEnv,
];

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  // DIMSE_PORT set but empty turns the DICOM listener off, as 0 does (an empty variable is otherwise ignored).
  const withDimse = env.DIMSE_PORT === '' ? { ...env, DIMSE_PORT: '0' } : env;
  return loadConfig({ name: 'gateway', schema: GatewayConfigSchema, bindings: GatewayEnv, env: withDimse });
}
