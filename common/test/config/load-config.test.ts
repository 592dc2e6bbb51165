import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, loadConfig, port, type EnvBinding } from '../../src/index.ts';

const schema = z.strictObject({
  port,
  verbose: z.boolean(),
  limits: z.strictObject({ maxFiles: z.number().int().positive() }),
  tags: z.array(z.string()),
});
const bindings: EnvBinding[] = [
  { env: 'X_PORT', key: 'port', type: 'integer' },
  { env: 'X_VERBOSE', key: 'verbose', type: 'boolean' },
  { env: 'X_MAX_FILES', key: 'limits.maxFiles', type: 'integer' },
  { env: 'X_TAGS', key: 'tags', type: 'list' },
];

describe('loadConfig', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-config-'));
    await writeFile(path.join(dir, 'x.json'), JSON.stringify({ port: 3000, verbose: true, limits: { maxFiles: 5 }, tags: ['a'] }));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const load = (env: NodeJS.ProcessEnv = {}) => loadConfig({ name: 'x', schema, bindings, env, configDir: dir });

  it('when the file is valid, then it is returned frozen, deeply', () => {
    const config = load();
    expect(config).toEqual({ port: 3000, verbose: true, limits: { maxFiles: 5 }, tags: ['a'] });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.limits)).toBe(true);
    expect(() => ((config as { port: number }).port = 1)).toThrow(TypeError);
  });

  it('when environment variables are set, then they override the file, nested keys included', () => {
    expect(load({ X_PORT: '4000', X_MAX_FILES: '9', X_TAGS: 'b, c' })).toMatchObject({
      port: 4000,
      limits: { maxFiles: 9 },
      tags: ['b', 'c'],
    });
  });

  it('when a boolean variable says "false", then it is false (not coerced to true)', () => {
    expect(load({ X_VERBOSE: 'false' }).verbose).toBe(false);
  });

  it('when a variable is not a number, then start-up stops naming the variable and the key', () => {
    expect(() => load({ X_PORT: 'abc' })).toThrow(/X_PORT=abc: port must be a whole number/);
  });

  it('when a value is out of range, then the message names the key and where it came from', () => {
    expect(() => load({ X_PORT: '70000' })).toThrow(ConfigError);
    expect(() => load({ X_PORT: '70000' })).toThrow(/port \(from X_PORT\)/);
  });

  it('when the file has an unknown key, then it is refused by name', async () => {
    await writeFile(path.join(dir, 'x.json'), JSON.stringify({ port: 1, verbose: true, limits: { maxFiles: 5 }, tags: [], typo: 1 }));
    expect(() => load()).toThrow(/typo/);
  });

  it('when the file is missing, then the error names the file', () => {
    expect(() => loadConfig({ name: 'missing', schema, bindings, env: {}, configDir: dir })).toThrow(/missing\.json/);
  });
});
