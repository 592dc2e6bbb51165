import path from 'node:path';
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

/** A folder, resolved against the working directory once, when the config is loaded at start-up. */
const directory = z
  .string()
  .min(1)
  .transform((dir) => path.resolve(dir));

/** Each key's description is the config reference, docs/config.md (npm run docs). */
export const DescriptorConfigSchema = z
  .strictObject({
    host: host.describe('Address to listen on; 127.0.0.1 keeps the descriptor on this machine'),
    port: port.describe('Port to listen on (0 picks a free one)'),
    internalToken,
    logLevel,
    studiesDir: directory.describe(
      'DICOM studies: <studiesDir>/<StudyInstanceUID>/, each holding the instances of every delivery that brought them',
    ),
    rejectedDir: directory.describe('Rejected deliveries, kept so that nothing sent is lost: <rejectedDir>/<delivery id>/'),
    dataDir: directory.describe(
      'The catalogue: <dataDir>/descriptor.db (SQLite); npm run reindex rebuilds it from studiesDir and rejectedDir',
    ),
    storage: z.strictObject({
      onReencoded: z
        .enum(['keep-first', 'refuse'])
        .describe(
          'An instance stored before in another transfer syntax: keep-first keeps the stored version and warns (sop-instance-reencoded); refuse treats it as a conflict (409 INSTANCE_CONFLICT)',
        ),
    }),
    documents: z.strictObject({
      awaitMaxInstances: z
        .number()
        .int()
        .min(0)
        .describe(
          "A study of at most this many instances has metadata.json and validation.log rewritten before a delivery's answer (not a C-STORE's: its response does not wait for them); a larger one in the background, at most every rewriteIntervalMs, while deliveries join it (a rewrite costs in proportion to the study)",
        ),
      rewriteIntervalMs: z
        .number()
        .int()
        .positive()
        .max(60_000)
        .describe(
          "How long a large study's documents may lag behind its catalogue entry while deliveries join it; always current once it is stable",
        ),
    }),
    stagingDir: z
      .string()
      .transform((dir) => (dir === '' ? '' : path.resolve(dir)))
      .describe(
        "The gateway's stagingDir, when this service shares its disk: files sent by reference are hard-linked from it (copied across file systems); empty: files only as multipart streams",
      ),
    outboxDir: directory.describe('FHIR bundles that could not be forwarded: <outboxDir>/failed/<id>.json, re-sent by npm run fhir:replay'),
    limits: z.strictObject({
      maxFiles: z.number().int().positive().describe('Most file parts in one request (413 UPLOAD_TOO_MANY_FILES)'),
      maxFileBytes: byteSize.describe('Largest file part, in bytes (413 UPLOAD_FILE_TOO_LARGE)'),
      maxHeaderBytes: byteSize.describe('Largest header (everything before the Pixel Data value) held in memory while a file streams past'),
      maxInflatedBytes: byteSize.describe('Most bytes a deflated data set may inflate to (deflate bombs)'),
      maxRequestFieldBytes: byteSize.describe("Largest `request` part (JSON); the validator's report grows with the number of files"),
    }),
    http: httpTimeouts,
    fhir: z.strictObject({
      forwardUrl: z
        .union([z.literal(''), url])
        .describe(
          'FHIR server base URL that the fhir.json of every study is POSTed to, as a transaction, when it becomes stable (the ImagingStudy as a conditional update); empty: no forwarding',
        ),
      authHeader: z.string().describe('Authorization header value sent with each bundle, e.g. "Bearer <token>"; empty: none'),
      timeoutMs: z.number().int().positive().describe('How long one POST of a bundle may take'),
      retry: z.strictObject({
        attempts: z.number().int().min(1).max(20).describe('POSTs of one bundle before it goes to the outbox'),
        baseDelayMs: z.number().int().min(0).describe('First backoff delay; doubles at each attempt, half of it random (equal jitter)'),
        maxDelayMs: z.number().int().min(0).describe('Longest backoff delay'),
      }),
    }),
  })
  .superRefine((config, ctx) => requireSecretOffLoopback(config, config.internalToken, ['internalToken'], 'INTERNAL_TOKEN', ctx))
  .refine((config) => config.studiesDir !== config.rejectedDir, {
    message: 'studiesDir and rejectedDir must be different folders',
    path: ['rejectedDir'],
  });

export type DescriptorConfig = DeepReadonly<z.infer<typeof DescriptorConfigSchema>>;

export const DescriptorEnv: readonly EnvBinding[] = [
  { env: 'DESCRIPTOR_PORT', key: 'port', type: 'integer' },
  { env: 'DESCRIPTOR_HOST', key: 'host', type: 'string' },
  { env: 'INTERNAL_TOKEN', key: 'internalToken', type: 'string' },
  { env: 'STUDIES_DIR', key: 'studiesDir', type: 'string' },
  { env: 'REJECTED_DIR', key: 'rejectedDir', type: 'string' },
  { env: 'DATA_DIR', key: 'dataDir', type: 'string' },
  { env: 'OUTBOX_DIR', key: 'outboxDir', type: 'string' },
  { env: 'STAGING_DIR', key: 'stagingDir', type: 'string' },
  { env: 'FHIR_FORWARD_URL', key: 'fhir.forwardUrl', type: 'string' },
  { env: 'FHIR_AUTH_HEADER', key: 'fhir.authHeader', type: 'string' },
  { env: 'LOG_LEVEL', key: 'logLevel', type: 'string' },
];

export function loadDescriptorConfig(env: NodeJS.ProcessEnv = process.env, configDir?: string): DescriptorConfig {
  return loadConfig({
    name: 'descriptor',
    schema: DescriptorConfigSchema,
    bindings: DescriptorEnv,
    env,
    ...(configDir ? { configDir } : {}),
  });
}
