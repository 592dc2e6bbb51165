import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnBenchServer } from './bench-server.ts';
import { stopChild } from './processes.ts';
import type { SampledProcess } from './rss-sampler.ts';

export interface RunningFloor {
  /** The gateway's: `POST /upload`, multipart, as ours takes it. */
  url: string;
  /** gateway, validator, descriptor. */
  processes: SampledProcess[];
  /** Each role's folder (staging/, studies/, catalogue.db) is under it. */
  dir: string;
  stop(): Promise<void>;
}

export const FLOOR_SERVER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'floor-server.ts');

/** Starts the three processes of `floor-server.ts` on free ports, each with a folder of its own under one temporary folder. */
export async function startFloor(): Promise<RunningFloor> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-bench-floor-'));
  const children: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    for (const child of children.reverse()) await stopChild(child);
    await rm(dir, { recursive: true, force: true });
  };
  const start = async (role: string, env: Record<string, string> = {}) => {
    const started = await spawnBenchServer(FLOOR_SERVER, { ...env, FLOOR_ROLE: role, FLOOR_DIR: path.join(dir, role) });
    children.push(started.child);
    return started;
  };
  try {
    const validator = await start('validator');
    const descriptor = await start('descriptor');
    const gateway = await start('gateway', { FLOOR_VALIDATOR_URL: validator.url, FLOOR_DESCRIPTOR_URL: descriptor.url });
    return {
      url: gateway.url,
      processes: [
        { name: 'gateway', pid: gateway.child.pid! },
        { name: 'validator', pid: validator.child.pid! },
        { name: 'descriptor', pid: descriptor.child.pid! },
      ],
      dir,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
