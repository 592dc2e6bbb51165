import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnBenchServer } from './bench-server.ts';
import { stopChild } from './processes.ts';

export interface RunningBaseline {
  url: string;
  pid: number;
  /** Where the request bodies are written, one file each. */
  bodiesDir: string;
  stop(): Promise<void>;
}

const SERVER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'baseline-server.ts');

/** Starts `baseline-server.ts` as its own process (node + tsx, like the services) on a free port. */
export async function startBaseline(): Promise<RunningBaseline> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-bench-baseline-'));
  const bodiesDir = path.join(dir, 'bodies');
  try {
    const { child, url } = await spawnBenchServer(SERVER, { BASELINE_DIR: bodiesDir });
    return {
      url,
      pid: child.pid!,
      bodiesDir,
      stop: async () => {
        await stopChild(child);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
