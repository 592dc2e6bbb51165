import {
  byteSize, DefaultInspectOptions, FindingCodes, host, isFindingCode, loadConfig, lookupKeyword, port,
  type DeepReadonly, type EnvBinding, type InspectOptions,
} from '@dsv/common';
import { z } from 'zod';

/** A PS3.6 keyword the dictionary knows: a typo in the config stops the service at start-up, naming it. */
const keyword = z.string().superRefine((value, ctx) => {
  if (!lookupKeyword(value)) ctx.addIssue({ code: 'custom', message: `'${value}' is not a DICOM keyword of the data dictionary (PS3.6)` });
});

/** Finding code -> severity; a code the catalog does not know is a typo, not a silent no-op. */
const severityOverrides = z.record(z.string(), z.enum(['error', 'warning'])).superRefine((map, ctx) => {
  for (const code of Object.keys(map)) {
    if (!isFindingCode(code)) {
      ctx.addIssue({ code: 'custom', path: [code], message: `'${code}' is not a finding code (known: ${Object.keys(FindingCodes).join(', ')})` });
    }
  }
});

export const ValidatorConfigSchema = z.strictObject({
  host,
  port,
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  limits: z.strictObject({
    maxFiles: z.number().int().positive(),
    maxFileBytes: byteSize,
    /** Everything before the Pixel Data value is kept in memory: this bounds it. */
    maxHeaderBytes: byteSize,
    /** A deflated data set (PS3.5 §A.5) may not inflate past this: deflate bombs. */
    maxInflatedBytes: byteSize,
  }),
  http: z.strictObject({
    /** A study of thousands of files streams through one request: 0 disables Node's 5-minute default. */
    requestTimeoutMs: z.number().int().min(0),
    headersTimeoutMs: z.number().int().positive(),
  }),
  requiredAttributes: z.strictObject({
    type1: z.array(keyword),
    type2: z.array(keyword),
  }),
  severity: severityOverrides,
});

export type ValidatorConfig = DeepReadonly<z.infer<typeof ValidatorConfigSchema>>;

export const ValidatorEnv: readonly EnvBinding[] = [
  { env: 'VALIDATOR_PORT', key: 'port', type: 'integer' },
  { env: 'VALIDATOR_HOST', key: 'host', type: 'string' },
  { env: 'LOG_LEVEL', key: 'logLevel', type: 'string' },
];

/** Reads config/validator.json (or $CONFIG_DIR/validator.json) with the env overrides; throws ConfigError. */
export function loadValidatorConfig(env: NodeJS.ProcessEnv = process.env): ValidatorConfig {
  return loadConfig({ name: 'validator', schema: ValidatorConfigSchema, bindings: ValidatorEnv, env });
}

/** What the streaming inspector needs from the limits. */
export function inspectOptions(config: ValidatorConfig): InspectOptions {
  return { ...DefaultInspectOptions, maxHeaderBytes: config.limits.maxHeaderBytes, maxInflatedBytes: config.limits.maxInflatedBytes };
}
