import {
  byteSize,
  DefaultInspectOptions,
  httpTimeouts,
  FindingCodes,
  host,
  logLevel,
  internalToken,
  isFindingCode,
  loadConfig,
  lookupKeyword,
  port,
  requireSecretOffLoopback,
  type DeepReadonly,
  type EnvBinding,
  type InspectOptions,
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
      ctx.addIssue({
        code: 'custom',
        path: [code],
        message: `'${code}' is not a finding code (known: ${Object.keys(FindingCodes).join(', ')})`,
      });
    }
  }
});

/** Each key's description is the config reference, docs/config.md (npm run docs). */
export const ValidatorConfigSchema = z
  .strictObject({
    host: host.describe('Address to listen on; 127.0.0.1 keeps the validator on this machine'),
    port: port.describe('Port to listen on (0 picks a free one)'),
    internalToken,
    logLevel,
    stagingDir: z
      .string()
      .describe(
        "The gateway's stagingDir, when this service shares its disk: files sent by reference are read from it (only their headers); empty: files only as multipart streams",
      ),
    limits: z.strictObject({
      maxFiles: z.number().int().positive().describe('Most file parts in one request (413 UPLOAD_TOO_MANY_FILES)'),
      maxFileBytes: byteSize.describe('Largest file part, in bytes (413 UPLOAD_FILE_TOO_LARGE)'),
      // Everything before the Pixel Data value is kept in memory: this bounds it.
      maxHeaderBytes: byteSize.describe(
        'Largest header (everything before the Pixel Data value) held in memory per file; larger is header-too-large',
      ),
      // PS3.5 §A.5: a deflated data set is inflated whole before it can be read.
      maxInflatedBytes: byteSize.describe('Most bytes a deflated data set may inflate to; more is deflate-bomb'),
    }),
    http: httpTimeouts,
    requiredAttributes: z.strictObject({
      type1: z
        .array(keyword)
        .describe('Keywords that must be present with a value (missing-type1, empty-type1); checked against the dictionary at start-up'),
      type2: z.array(keyword).describe('Keywords that must be present, possibly empty (missing-type2)'),
      strict: z
        .boolean()
        .default(false)
        .describe(
          "Require the listed keywords even where the file's IOD makes them optional (false: Modality is not required of a Secondary Capture image, PS3.3 §C.8.6.1)",
        ),
    }),
    iod: z.strictObject({
      enabled: z
        .boolean()
        .describe(
          "Check each file against the IOD of its SOP Class, from the tables generated from dicom3tools' templates (npm run generate:iods): its modules, their Type 1, 1C, 2 and 2C attributes, Enumerated Values and Defined Terms",
        ),
      // Real archives are full of IOD nits (a Type 2C Laterality missing) that never stop a viewer: warnings by default.
      severity: z
        .enum(['error', 'warning'])
        .describe(
          "Severity of the IOD table's findings (missing-type1, empty-type1, missing-type2, missing-type1c, missing-type2c); requiredAttributes stay errors",
        ),
    }),
    severity: severityOverrides.describe(
      "Finding code -> 'error' or 'warning', overriding the default severity of that code (and iod.severity)",
    ),
  })
  .superRefine((config, ctx) => requireSecretOffLoopback(config, config.internalToken, ['internalToken'], 'INTERNAL_TOKEN', ctx));

export type ValidatorConfig = DeepReadonly<z.infer<typeof ValidatorConfigSchema>>;

export const ValidatorEnv: readonly EnvBinding[] = [
  { env: 'VALIDATOR_PORT', key: 'port', type: 'integer' },
  { env: 'VALIDATOR_HOST', key: 'host', type: 'string' },
  { env: 'INTERNAL_TOKEN', key: 'internalToken', type: 'string' },
  { env: 'LOG_LEVEL', key: 'logLevel', type: 'string' },
  { env: 'STAGING_DIR', key: 'stagingDir', type: 'string' },
];

/** Reads config/validator.json (or $CONFIG_DIR/validator.json) with the env overrides; throws ConfigError. */
export function loadValidatorConfig(env: NodeJS.ProcessEnv = process.env): ValidatorConfig {
  return loadConfig({ name: 'validator', schema: ValidatorConfigSchema, bindings: ValidatorEnv, env });
}

/** What the streaming inspector needs from the limits. */
export function inspectOptions(config: ValidatorConfig): InspectOptions {
  return { ...DefaultInspectOptions, maxHeaderBytes: config.limits.maxHeaderBytes, maxInflatedBytes: config.limits.maxInflatedBytes };
}
