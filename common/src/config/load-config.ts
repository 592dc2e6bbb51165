import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** How an environment variable overrides a key of the JSON config. */
export interface EnvBinding {
  env: string;
  key: string;
  type: 'string' | 'integer' | 'boolean' | 'list';
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface LoadConfigOptions<S extends z.ZodType> {
  /** e.g. 'gateway': reads `<configDir>/gateway.json`. */
  name: string;
  schema: S;
  bindings: readonly EnvBinding[];
  env?: NodeJS.ProcessEnv;
  /** Defaults to $CONFIG_DIR, then ./config. */
  configDir?: string;
}

/**
 * Reads `config/<name>.json`, applies the environment overrides, validates with zod, and freezes the
 * result. A bad value fails here, at start-up, with a message that names the key.
 */
export function loadConfig<S extends z.ZodType>(options: LoadConfigOptions<S>): DeepReadonly<z.infer<S>> {
  const env = options.env ?? process.env;
  const configDir = options.configDir ?? env.CONFIG_DIR ?? path.resolve('config');
  const file = path.join(configDir, `${options.name}.json`);
  let fromFile: Record<string, unknown>;
  try {
    fromFile = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(`${file}: ${(error as Error).message}`);
  }
  const merged = structuredClone(fromFile);
  for (const binding of options.bindings) {
    const raw = env[binding.env];
    if (raw === undefined || raw === '') continue;
    setPath(merged, binding.key, parseEnv(binding, raw));
  }
  const result = options.schema.safeParse(merged);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const key = issue.path.join('.');
      const binding = options.bindings.find((b) => b.key === key && env[b.env]);
      return `  ${key || '(root)'}${binding ? ` (from ${binding.env})` : ''}: ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration in ${file}:\n${lines.join('\n')}`);
  }
  return deepFreeze(result.data) as DeepReadonly<z.infer<S>>;
}

function parseEnv(binding: EnvBinding, raw: string): unknown {
  switch (binding.type) {
    case 'string':
      return raw;
    case 'integer': {
      if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(`${binding.env}=${raw}: ${binding.key} must be a whole number`);
      return Number(raw);
    }
    // Not z.coerce.boolean(): it reads "false" as true.
    case 'boolean': {
      if (/^(true|1|yes)$/i.test(raw)) return true;
      if (/^(false|0|no)$/i.test(raw)) return false;
      throw new ConfigError(`${binding.env}=${raw}: ${binding.key} must be true or false`);
    }
    case 'list':
      return raw
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean);
  }
}

function setPath(target: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts.at(-1)!] = value;
}

export type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Shared schema pieces. */
export const port = z.number().int().min(0).max(65535);
export const url = z.url({ protocol: /^https?$/ });
export const byteSize = z.number().int().positive();
export const host = z.string().min(1);
/** pino's levels; 'silent' writes nothing. */
export const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).describe('Least severe log level written');

/** The HTTP server's time bounds, the same keys for every service. */
export const httpTimeouts = z.strictObject({
  // A study of thousands of files streams through one request: Node's 5-minute default is too short.
  requestTimeoutMs: z.number().int().min(0).describe('How long a client may take to send a whole request (0: no limit)'),
  headersTimeoutMs: z.number().int().positive().describe('How long a client may take to send the request headers'),
  shutdownTimeoutMs: z
    .number()
    .int()
    .min(0)
    .default(30_000)
    .describe('On SIGTERM, how long requests in flight may take to finish before the service exits'),
});
