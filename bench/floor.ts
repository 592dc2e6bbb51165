import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnBenchServer } from './bench-server.ts';
import { stopChild } from './processes.ts';
import type { SampledProcess } from './rss-sampler.ts';

export interface RunningFloor {
  /** The gateway's: `POST /upload`, multipart, as ours takes it; or `dicom://127.0.0.1:<port>`, its DICOM door. */
  url: string;
  /** gateway, validator, descriptor. */
  processes: SampledProcess[];
  /** Each role's folder (staging/, studies/, catalogue.db) is under it. */
  dir: string;
  stop(): Promise<void>;
}

/**
 * dcmjs (under dcmjs-dimse) calls the deprecated Buffer() constructor; run from node_modules, as the floor
 * runs it, every call below Node's 10,000th walks the stack to see whether it comes from node_modules
 * (≈0.3 ms of CPU per small C-STORE). Our services run bundled (dist/), where the first call warns and the
 * rest cost nothing: --pending-deprecation puts the floor on the same footing, --no-deprecation keeps the
 * warning quiet.
 */
const NODE_FLAGS = ['--pending-deprecation', '--no-deprecation'];

/** Where the floor runs our validator's checks (`--floor-checks`, `--floor-checks-in-gateway`). */
export type FloorChecks = 'validator' | 'gateway';

export const FLOOR_SERVER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'floor-server.ts');

/**
 * Starts the three processes of `floor-server.ts` on free ports, each with a folder of its own under one
 * temporary folder; with `dimsePort`, the gateway is its DICOM door (C-STORE) on that port instead; with
 * `checks`, our validator's checks run on each file instead of a parse of its header alone: in the
 * validator, or in the gateway's own process (which then never calls the validator).
 */
export async function startFloor(options: { dimsePort?: number; checks?: FloorChecks } = {}): Promise<RunningFloor> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-bench-floor-'));
  const children: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    for (const child of children.reverse()) await stopChild(child);
    await rm(dir, { recursive: true, force: true });
  };
  const start = async (role: string, env: Record<string, string> = {}) => {
    const started = await spawnBenchServer(FLOOR_SERVER, { ...env, FLOOR_ROLE: role, FLOOR_DIR: path.join(dir, role) }, NODE_FLAGS);
    children.push(started.child);
    return started;
  };
  try {
    const validator = await start('validator', options.checks === 'validator' ? { FLOOR_CHECKS: '1' } : {});
    const descriptor = await start('descriptor');
    const siblings = {
      FLOOR_VALIDATOR_URL: validator.url,
      FLOOR_DESCRIPTOR_URL: descriptor.url,
      ...(options.checks === 'gateway' ? { FLOOR_CHECKS: 'gateway' } : {}),
    };
    const gateway =
      options.dimsePort === undefined
        ? await start('gateway', siblings)
        : await start('dimse', { ...siblings, FLOOR_DIMSE_PORT: String(options.dimsePort) });
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
