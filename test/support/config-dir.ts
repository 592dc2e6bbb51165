import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from './corpus.ts';

type Json = Record<string, unknown>;
export type ConfigOverrides = Partial<Record<'gateway' | 'validator' | 'descriptor', Json>>;

/** Folders written by writeConfigDir and not yet removed. */
const written = new Set<string>();

/**
 * A config folder for a test stack: the project's config files with some keys changed (short retries, a
 * small request timeout), passed to the services as CONFIG_DIR. The files are read at each call, so the
 * keys others add to them come along. A test that writes one calls removeConfigDirs after it (afterEach),
 * once the services reading it have stopped.
 */
export async function writeConfigDir(overrides: ConfigOverrides): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-config-'));
  written.add(dir);
  for (const name of ['gateway', 'validator', 'descriptor'] as const) {
    const base = JSON.parse(await readFile(path.join(projectRoot, 'config', `${name}.json`), 'utf8')) as Json;
    await writeFile(path.join(dir, `${name}.json`), JSON.stringify(merge(base, overrides[name] ?? {}), null, 2));
  }
  return dir;
}

/** Removes every folder writeConfigDir has written. */
export async function removeConfigDirs(): Promise<void> {
  const dirs = [...written];
  written.clear();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
}

function merge(base: Json, change: Json): Json {
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(change)) {
    const current = out[key];
    out[key] = isObject(current) && isObject(value) ? merge(current, value) : value;
  }
  return out;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
