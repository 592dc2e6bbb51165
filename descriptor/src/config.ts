import path from 'node:path';
import { byteSize, host, internalToken, loadConfig, port, requireSecretOffLoopback, type DeepReadonly, type EnvBinding } from '@dsv/common';
import { z } from 'zod';

/** A folder, resolved against the working directory once, when the config is loaded at start-up. */
const directory = z.string().min(1).transform((dir) => path.resolve(dir));

export const DescriptorConfigSchema = z
  .strictObject({
    host,
    port,
    internalToken,
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    /** Valid studies: `<studiesDir>/<id>/`. */
    studiesDir: directory,
    /** Rejected uploads, kept so that nothing sent is lost: `<rejectedDir>/<id>/`. */
    rejectedDir: directory,
    limits: z.strictObject({
      maxFiles: z.number().int().positive(),
      maxFileBytes: byteSize,
      /** Everything before the Pixel Data value, held in memory while a file streams past. */
      maxHeaderBytes: byteSize,
      /** A deflated data set may not inflate past this (deflate bombs). */
      maxInflatedBytes: byteSize,
      /** The JSON `request` part: the validator's report grows with the number of files. */
      maxRequestFieldBytes: byteSize,
    }),
    http: z.strictObject({
      requestTimeoutMs: z.number().int().min(0),
      headersTimeoutMs: z.number().int().positive(),
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
