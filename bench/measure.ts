import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { runLoad } from './client.ts';
import { readCpuMs, readMachineBusyMs } from './cpu-usage.ts';
import { RssSampler } from './rss-sampler.ts';
import type { Target, TargetName } from './targets.ts';
import { workBetween, type ServiceWork } from './work-counts.ts';
import type { Workload, WorkloadFile } from './workloads.ts';

/** How a workload is sent: all files in one request, or one file per request at some concurrency. */
export interface Mode {
  label: string;
  concurrency: number;
  perFile: boolean;
}

/** Every run of one target on one workload in one mode. */
export interface Measurement {
  workload: Workload;
  mode: Mode;
  target: TargetName;
  /** The untimed first run; null when the target was not run. */
  warmup: RunResult | null;
  runs: RunResult[];
  /** Why the target was not run (not installed, turned off, failed to start). */
  skipped: string | null;
  /**
   * The mode whose runs this one's alternated with, when not its own: Orthanc at c=8 measured beside
   * our study in one request, which it has no mode for.
   */
  beside?: string;
}

export interface ProcessStats {
  name: string;
  peakRssBytes: number | null;
  /** CPU time the process used during the run (user + system, all threads). */
  cpuMs: number | null;
}

export interface RunResult {
  label: string;
  instances: number;
  bytes: number;
  wallMs: number;
  instancesPerSecond: number;
  /** 10^6 bytes per second. */
  megabytesPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  requests: number;
  failures: number;
  firstError: string | null;
  processes: ProcessStats[];
  /** CPU time of the benchmark's own process (the client) during the run. */
  clientCpuMs: number;
  /** Peak RSS of the benchmark's own process during the run. */
  clientPeakRssBytes: number | null;
  /**
   * CPU time the rest of the machine used during the run (all busy time less the client's and the
   * measured processes'): other work on a shared machine, which these numbers cannot exclude.
   */
  otherCpuMs: number | null;
  /** How long the run waited for a quiet machine; null when it gave up waiting. */
  quietWaitMs: number | null;
  /** Our services only: for each lifecycle event, the median ms from the start of its request. */
  stages: Array<[string, number]>;
  /**
   * Our services only: what each did during the run (flushes, commits, requests received from the
   * others, log lines), from their /metrics read just before and just after the timed window.
   */
  work: ServiceWork[] | null;
}

const run = promisify(execFile);

/** The rest of the machine counts as quiet below this share of one core. */
const QUIET_SHARE = 0.25;

/**
 * Waits, up to `maxMs`, until the machine has been quiet (under a quarter of a core busy, the measured
 * processes being idle between runs) for two seconds in a row: other work sharing the two cores is the
 * largest source of noise here. Resolves with the ms waited, or null when the machine never went quiet.
 */
export async function waitForQuietMachine(maxMs: number): Promise<number | null> {
  const started = Date.now();
  let quietSeconds = 0;
  while (Date.now() - started < maxMs) {
    const before = readMachineBusyMs();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const after = readMachineBusyMs();
    if (before === null || after === null) return 0;
    quietSeconds = after - before < QUIET_SHARE * 1000 ? quietSeconds + 1 : 0;
    if (quietSeconds >= 2) return Date.now() - started;
  }
  return null;
}

/**
 * One timed run: the target is reset, the page cache's dirty pages written out (`sync`), and the machine
 * left to go quiet first, all outside the timed window; then the batches are sent `concurrency` at a time
 * while RSS is sampled.
 */
export async function measureRun(
  label: string,
  target: Target,
  batches: WorkloadFile[][],
  concurrency: number,
  quietWaitMaxMs: number,
): Promise<RunResult> {
  await target.reset();
  await run('sync');
  const quietWaitMs = quietWaitMaxMs > 0 ? await waitForQuietMachine(quietWaitMaxMs) : 0;
  // Scraped before the CPU is read, and again after: the scrapes' own CPU is not the run's.
  const workBefore = (await target.readWork?.()) ?? null;
  const cpuBefore = target.processes.map((p) => readCpuMs(p.pid));
  const clientBefore = process.cpuUsage();
  const machineBefore = readMachineBusyMs();
  const sampler = new RssSampler([...target.processes, { name: 'client', pid: process.pid }]);
  sampler.start();
  const load = await runLoad(batches, concurrency, target.send);
  const peaks = sampler.stop();
  const client = process.cpuUsage(clientBefore);
  const machineAfter = readMachineBusyMs();
  const processes = target.processes.map((p, i) => {
    const before = cpuBefore[i];
    const after = readCpuMs(p.pid);
    return { name: p.name, peakRssBytes: peaks[i]?.peakBytes ?? null, cpuMs: before != null && after != null ? after - before : null };
  });
  const clientCpuMs = (client.user + client.system) / 1000;
  const workAfter = workBefore && target.readWork ? await target.readWork() : null;
  const measuredCpuMs = processes.reduce((sum, p) => sum + (p.cpuMs ?? 0), clientCpuMs);
  const otherCpuMs = machineBefore !== null && machineAfter !== null ? Math.max(0, machineAfter - machineBefore - measuredCpuMs) : null;
  const ok = load.requests.filter((r) => r.ok);
  const failed = load.requests.filter((r) => !r.ok);
  const instances = ok.reduce((sum, r) => sum + r.files, 0);
  const bytes = ok.reduce((sum, r) => sum + r.bytes, 0);
  const latencies = load.requests.map((r) => r.latencyMs);
  return {
    label,
    instances,
    bytes,
    wallMs: load.wallMs,
    instancesPerSecond: (instances * 1000) / load.wallMs,
    megabytesPerSecond: bytes / 1000 / load.wallMs,
    p50Ms: percentile(latencies, 0.5),
    p95Ms: percentile(latencies, 0.95),
    requests: load.requests.length,
    failures: failed.length,
    firstError: failed[0]?.error ?? null,
    processes,
    clientCpuMs,
    quietWaitMs,
    clientPeakRssBytes: peaks.find((p) => p.name === 'client')?.peakBytes ?? null,
    otherCpuMs,
    stages: medianStages(ok.flatMap((r) => r.events ?? [])),
    work: workBefore && workAfter ? workBetween(workBefore, workAfter) : null,
  };
}

/** Nearest-rank percentile: the smallest value with at least q of the values at or below it. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export function median(values: readonly number[]): number {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return Number.NaN;
  const sorted = [...finite].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Each event type with the median of its offsets, earliest first. */
function medianStages(events: Array<[string, number]>): Array<[string, number]> {
  const byType = new Map<string, number[]>();
  for (const [type, ms] of events) {
    const offsets = byType.get(type) ?? [];
    offsets.push(ms);
    byType.set(type, offsets);
  }
  return [...byType].map(([type, offsets]): [string, number] => [type, median(offsets)]).sort((a, b) => a[1] - b[1]);
}
