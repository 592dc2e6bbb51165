import { mkdir, readdir, rename, rmdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStack } from '../test/support/services.ts';
import { startBaseline } from './baseline.ts';
import { startFloor, type FloorChecks } from './floor.ts';
import { baselineSender, gatewaySender, orthancSender, type Sender } from './client.ts';
import { startOrthanc } from './orthanc.ts';
import type { SampledProcess } from './rss-sampler.ts';
import { scrapeWork, type ServiceWork } from './work-counts.ts';

/** 'against': our services from another checkout (`--against DIR`), measured in turns beside this one's. */
export type TargetName = 'ours' | 'against' | 'orthanc' | 'baseline' | 'floor';

/** One receiver under test, started, with what to send to it and what to measure. */
export interface Target {
  name: TargetName;
  /** The processes whose peak RSS and CPU time are reported. */
  processes: SampledProcess[];
  send: Sender;
  /** Ours only: each service's work counters so far (their /metrics), read outside the timed window. */
  readWork?: () => Promise<ServiceWork[]>;
  /** Between runs, outside the timed window: forget what the previous run stored. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export interface TargetOptions {
  /** Our services only: write a CPU profile of each service into this folder when it stops. */
  profileDir?: string | undefined;
  /** Part of the profile's file name: the workload and mode. */
  profileLabel?: string;
  /** 'against' only: the checkout (built) whose services it runs. */
  againstRoot?: string | undefined;
  /** 'floor' only: our validator's checks run in its validator (`--floor-checks`) or its gateway (`--floor-checks-in-gateway`). */
  floorChecks?: FloorChecks | undefined;
}

const PROFILER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'cpu-profiler.mjs');

export async function startTarget(name: TargetName, options: TargetOptions = {}): Promise<Target> {
  if (name === 'ours') return startOurs(options);
  if (name === 'against') {
    if (!options.againstRoot) throw new Error("the target 'against' needs the checkout to run (--against DIR)");
    // Not profiled: the profiles' file names say only the service, the workload and the mode.
    return startOurs({ root: options.againstRoot, name: 'against' });
  }
  if (name === 'orthanc') return startOrthancTarget();
  if (name === 'floor') return startFloorTarget(options.floorChecks);
  return startBaselineTarget();
}

/**
 * The three services, each its own process, on free ports and temporary folders (`startStack`): this
 * checkout's, or as 'against' those of the checkout at `root`.
 */
async function startOurs({
  profileDir,
  profileLabel = 'run',
  root,
  name = 'ours',
}: TargetOptions & { root?: string; name?: 'ours' | 'against' }): Promise<Target> {
  const profiling = profileDir
    ? {
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${PROFILER}`.trim(),
        PROFILE_DIR: profileDir,
        PROFILE_LABEL: profileLabel,
      }
    : {};
  const stack = await startStack({ LOG_LEVEL: 'info', ...profiling }, root ? { root } : {});
  const services = ['gateway', 'validator', 'descriptor'] as const;
  // The validator and the descriptor take the internal token; the gateway its API keys, none unless set.
  const tokens = {
    gateway: process.env.GATEWAY_API_KEYS?.split(',')[0]?.trim(),
    validator: stack.env.validator.INTERNAL_TOKEN,
    descriptor: stack.env.descriptor.INTERNAL_TOKEN,
  };
  return {
    name,
    processes: services.map((service) => ({ name: service, pid: stack[service].child.pid! })),
    send: gatewaySender(stack.gateway.url),
    readWork: () => scrapeWork(services.map((service) => ({ name: service, url: stack[service].url, token: tokens[service] }))),
    // Each run sends a workload variant of its own (new UIDs), so its studies are new to the archive and
    // the earlier runs' studies stay, as in an archive that fills: the catalogue has to keep up with them.
    reset: async () => undefined,
    stop: () => moveAsideThenStop([stack.studiesDir, stack.rejectedDir], () => stack.stop()),
  };
}

/**
 * Orthanc with empty storage for every run. Between runs it is stopped, its folder (storage, index,
 * configuration) is moved aside like our stored studies, and a new Orthanc starts empty: re-sent files
 * would otherwise be AlreadyStored. Deleting the previous run's patients through its API instead made
 * the next run (Orthanc's, and ours in the next workload) pay for thousands of freshly deleted inodes
 * (moveAside says how).
 */
async function startOrthancTarget(): Promise<Target> {
  let orthanc = await startOrthanc();
  return {
    name: 'orthanc',
    get processes() {
      return [{ name: 'orthanc', pid: orthanc.pid }];
    },
    send: (files) => orthancSender(orthanc.url)(files),
    reset: async () => {
      const stats = (await (await fetch(`${orthanc.url}/statistics`)).json()) as { CountInstances: number };
      if (stats.CountInstances === 0) return;
      await orthanc.stop({ keepFiles: true });
      await moveAside(orthanc.dir);
      await rmdir(orthanc.dir);
      orthanc = await startOrthanc();
    },
    stop: () => orthanc.stop(),
  };
}

async function startBaselineTarget(): Promise<Target> {
  const baseline = await startBaseline();
  return {
    name: 'baseline',
    processes: [{ name: 'baseline', pid: baseline.pid }],
    send: baselineSender(baseline.url),
    reset: () => moveAside(baseline.bodiesDir),
    stop: () => baseline.stop(),
  };
}

/** The three processes of floor-server.ts; like our archive, it keeps the earlier runs' studies. */
async function startFloorTarget(checks: FloorChecks | undefined): Promise<Target> {
  const floor = await startFloor(checks ? { checks } : {});
  return {
    name: 'floor',
    processes: floor.processes,
    send: baselineSender(floor.url),
    reset: async () => undefined,
    stop: () => moveAsideThenStop([path.join(floor.dir, 'descriptor', 'studies')], () => floor.stop()),
  };
}

/** Moves what a target stored aside (moveAside), then stops it, even when the move fails: its processes never outlive it. */
async function moveAsideThenStop(dirs: readonly string[], stop: () => Promise<void>): Promise<void> {
  try {
    for (const dir of dirs) await moveAside(dir);
  } finally {
    await stop();
  }
}

let asideCount = 0;

/**
 * Empties a folder by moving its entries into a trash folder that goes when the bench ends (it lives in
 * the bench's temporary folder). Deleting thousands of files just before a run made the run pay for the
 * deletion: on a file system without a journal (this kind of VM's ext4), every inode created in the next
 * minute or more is allocated past the recently deleted ones, one by one (ext4's recently_deleted()),
 * which tripled the system CPU time of creating a file.
 */
async function moveAside(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  if (names.length === 0) return;
  asideCount += 1;
  const trash = path.join(os.tmpdir(), 'dsv-bench-trash', String(asideCount));
  await mkdir(trash, { recursive: true });
  for (const name of names) await rename(path.join(dir, name), path.join(trash, name));
}
