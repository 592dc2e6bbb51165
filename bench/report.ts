import path from 'node:path';
import { median, type Measurement, type RunResult } from './measure.ts';
import { WORK_FIELDS, type ServiceWork, type WorkField } from './work-counts.ts';
import type { Workload } from './workloads.ts';

const MB = 1_000_000;

/** A ratio as the summaries print it: `0.42x`, or '-' when there is none. */
const times = (ratio: number | null): string => (ratio === null || !Number.isFinite(ratio) ? '-' : `${ratio.toFixed(2)}x`);

/** Plain-text table: the first column left-aligned, the others right-aligned. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const fixed = (value: number, digits = 0): string => (Number.isFinite(value) ? value.toFixed(digits) : '-');
/** A rate: one decimal, or three significant digits below 1 (one 1 GB file takes seconds). */
const rate = (value: number): string => (Number.isFinite(value) && Math.abs(value) < 1 ? value.toPrecision(3) : fixed(value, 1));
const megabytes = (bytes: number | null): string => (bytes === null ? '?' : (bytes / MB).toFixed(0));
const seconds = (ms: number | null): string => (ms === null ? '?' : (ms / 1000).toFixed(1));

/** The workload and its copies: the warm-up sends the first, run i the (i+1)th. */
export function describeWorkload(variants: Workload[]): string {
  const workload = variants[0]!;
  const count = workload.files.length === 1 ? '1 file' : `${workload.files.length} files`;
  const dirs = variants.map((v) => path.basename(v.dir)).join(', ');
  return `${workload.title}: ${count}, ${(workload.totalBytes / MB).toFixed(1)} MB; warm-up, run 1, 2… send ${dirs} (in ${path.dirname(workload.dir)})`;
}

/** Peak RSS and CPU time of each process of the run: `gateway 81 MB 1.2 s`. */
function formatProcesses(run: RunResult): string {
  return run.processes.map((p) => `${p.name} ${megabytes(p.peakRssBytes)} MB ${seconds(p.cpuMs)} s`).join(' | ');
}

/** A count per instance: two decimals below 10 (most are about 1), one above. */
function perInstance(count: number, instances: number): string {
  if (instances === 0 || !Number.isFinite(count)) return '-';
  const value = count / instances;
  return value === 0 ? '0' : value.toFixed(value < 10 ? 2 : 1);
}

const SHORT_NAMES: Record<string, string> = { gateway: 'gw', validator: 'val', descriptor: 'desc' };

/**
 * Each service's work per stored instance, in the order of WORK_FIELDS:
 * `gw 0+1.00/1.00/0/2.00 | val …` (fsync file+directory / DB commits / requests received / log lines).
 */
function formatWork(run: RunResult): string {
  if (!run.work) return '-';
  return run.work
    .map((w) => {
      const [file, directory, ...rest] = WORK_FIELDS.map((field) => perInstance(w[field], run.instances));
      return `${SHORT_NAMES[w.name] ?? w.name} ${file}+${directory}/${rest.join('/')}`;
    })
    .join(' | ');
}

function runRow(m: Measurement, run: RunResult, label: string): string[] {
  return [
    m.target,
    m.mode.label,
    label,
    rate(run.instancesPerSecond),
    rate(run.megabytesPerSecond),
    fixed(run.p50Ms),
    fixed(run.p95Ms),
    fixed(run.wallMs),
    run.failures ? `${run.failures}/${run.requests}` : '0',
    `${seconds(run.clientCpuMs)} s ${megabytes(run.clientPeakRssBytes)} MB`,
    `${seconds(run.otherCpuMs)}${run.quietWaitMs === null ? '*' : ''}`,
    formatProcesses(run),
    formatWork(run),
  ];
}

/** The median of every number over the runs; peak RSS is the largest of the runs, not the median. */
function medianRun(runs: RunResult[]): RunResult {
  const first = runs[0]!;
  return {
    ...first,
    label: 'median',
    instancesPerSecond: median(runs.map((r) => r.instancesPerSecond)),
    megabytesPerSecond: median(runs.map((r) => r.megabytesPerSecond)),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p95Ms: median(runs.map((r) => r.p95Ms)),
    wallMs: median(runs.map((r) => r.wallMs)),
    failures: runs.reduce((sum, r) => sum + r.failures, 0),
    requests: runs.reduce((sum, r) => sum + r.requests, 0),
    clientCpuMs: median(runs.map((r) => r.clientCpuMs)),
    clientPeakRssBytes: maxOrNull(runs.map((r) => r.clientPeakRssBytes)),
    otherCpuMs: median(runs.map((r) => r.otherCpuMs ?? Number.NaN)),
    quietWaitMs: runs.every((r) => r.quietWaitMs !== null) ? 0 : null,
    processes: first.processes.map((p, i) => ({
      name: p.name,
      peakRssBytes: maxOrNull(runs.map((r) => r.processes[i]?.peakRssBytes ?? null)),
      cpuMs: median(runs.map((r) => r.processes[i]?.cpuMs ?? Number.NaN)),
    })),
    stages: [],
    work: medianWork(runs),
  };
}

/** Each service's median of each count over the runs; null unless every run has them. */
function medianWork(runs: RunResult[]): ServiceWork[] | null {
  const all = runs.map((r) => r.work);
  if (all.some((w) => w === null)) return null;
  return all[0]!.map((first, i) => {
    const work: ServiceWork = { ...first };
    for (const field of WORK_FIELDS) work[field] = median(all.map((w) => w![i]?.[field] ?? Number.NaN));
    return work;
  });
}

function maxOrNull(values: Array<number | null>): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length ? Math.max(...known) : null;
}

export function medianOf(m: Measurement): RunResult | null {
  return m.runs.length ? medianRun(m.runs) : null;
}

/**
 * ours / other of one measure, run by run (run i of each was taken in the same turn), then the median: the
 * ratio of the medians could pair a run of one with a run of the other taken at another speed. A turn
 * whose measure is unknown on either side, or nothing on the other's, does not count.
 */
function pairedMedian<R>(ours: { runs: readonly R[] }, other: { runs: readonly R[] }, measure: (run: R) => number): number | null {
  const ratios = ours.runs.flatMap((run, i) => {
    const theirs = other.runs[i];
    if (theirs === undefined) return [];
    const [mine, them] = [measure(run), measure(theirs)];
    return Number.isFinite(mine) && them > 0 ? [mine / them] : [];
  });
  return ratios.length ? median(ratios) : null;
}

/** ours / Orthanc inst/s (or any two targets'), paired by turn (pairedMedian). */
export function pairedRatio<R extends { instancesPerSecond: number }>(
  ours: { runs: readonly R[] },
  orthanc: { runs: readonly R[] },
): number | null {
  return pairedMedian(ours, orthanc, (run) => run.instancesPerSecond);
}

/** CPU ms per stored instance of a run, all its processes together; NaN when unknown. */
function totalCpuPerInstance(run: RunResult): number {
  if (run.instances === 0 || run.processes.some((p) => p.cpuMs === null)) return Number.NaN;
  return run.processes.reduce((sum, p) => sum + p.cpuMs!, 0) / run.instances;
}

/** ours / other CPU ms per stored instance, paired by turn (pairedMedian). */
export function pairedCpuRatio(ours: { runs: readonly RunResult[] }, other: { runs: readonly RunResult[] }): number | null {
  return pairedMedian(ours, other, totalCpuPerInstance);
}

/** Every run of every target for one workload, warm-up first (marked excluded), then the median. */
export function formatWorkloadSection(variants: Workload[], measurements: Measurement[]): string {
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const m of measurements) {
    if (m.skipped) {
      rows.push([m.target, m.mode.label, m.skipped]);
      continue;
    }
    if (m.warmup) rows.push(runRow(m, m.warmup, 'warm-up (excluded)'));
    m.runs.forEach((run) => rows.push(runRow(m, run, run.label)));
    const med = medianOf(m);
    if (med) rows.push(runRow(m, med, 'median'));
    for (const run of [m.warmup, ...m.runs])
      if (run?.firstError) notes.push(`${m.target} ${m.mode.label} ${run.label}: ${run.failures} failed, first: ${run.firstError}`);
    if (m.target === 'ours' && m.runs.some((r) => r.stages.length)) {
      const stages = m.runs.map((r) => r.stages.map(([type, ms]) => `${type} ${fixed(ms)}`).join(', '));
      notes.push(
        `ours ${m.mode.label}, median ms from the start of a request to each event: ${stages.map((s, i) => `\n    run ${i + 1}: ${s}`).join('')}`,
      );
    }
  }
  const header = [
    'target',
    'mode',
    'run',
    'inst/s',
    'MB/s',
    'p50 ms',
    'p95 ms',
    'wall ms',
    'failed',
    'client CPU, RSS',
    'others CPU s',
    'per process: peak RSS, CPU during the run',
    'work/inst: fsync file+dir/commits/requests in/log lines',
  ];
  return [`== ${describeWorkload(variants)}`, formatTable(header, rows), ...notes.map((n) => `  ${n}`)].join('\n');
}

export interface Goal {
  /** What the issue asks, in words. */
  text: string;
  /** `ratio`: ours / Orthanc, the median of the runs' ratios; null without Orthanc. */
  check(ours: RunResult, ratio: number | null): boolean | null;
}

export interface SummaryLine {
  workload: Workload;
  modeLabel: string;
  ours: RunResult | null;
  orthanc: RunResult | null;
  /** ours / Orthanc inst/s, the median of the ratios of runs taken in the same turn. */
  ratio: number | null;
  /** Which Orthanc measurement the ratio is taken against, when not the same mode. */
  orthancLabel: string;
  orthancMissing: string | null;
  baseline: RunResult | null;
  /** The floor (floor-server.ts), and floor / Orthanc as `ratio` is taken. */
  floor: RunResult | null;
  floorRatio: number | null;
  /** Our services from another checkout (--against), and ours / against as `ratio` is taken, in rate and in CPU per instance. */
  against: RunResult | null;
  againstRatio: number | null;
  againstCpuRatio: number | null;
  goals: Goal[];
}

/**
 * CPU time the target's processes spent per stored instance: `gateway+validator+descriptor = total`.
 * Less sensitive than rates to other work sharing the cores.
 */
function cpuPerInstance(run: RunResult | null): string {
  if (!run || run.instances === 0) return '-';
  const parts = run.processes.map((p) => (p.cpuMs === null ? Number.NaN : p.cpuMs / run.instances));
  const total = parts.reduce((sum, v) => sum + v, 0);
  const digits = total >= 100 ? 0 : 1;
  return parts.length > 1 ? `${parts.map((v) => fixed(v, digits)).join('+')} = ${fixed(total, digits)}` : fixed(total, digits);
}

/** One line per workload and mode: medians, the ratio ours / Orthanc, and the issue's targets met or not. */
export function formatSummary(lines: SummaryLine[]): string {
  const rows = lines.map((l) => {
    const orthanc = l.orthanc ? `${rate(l.orthanc.instancesPerSecond)}${l.orthancLabel}` : (l.orthancMissing ?? '-');
    const goals = l.goals.map((g) => {
      const verdict = l.ours ? g.check(l.ours, l.ratio) : null;
      return `${g.text}: ${verdict === null ? 'unknown' : verdict ? 'met' : 'NOT met'}`;
    });
    return [
      l.workload.kind,
      l.modeLabel,
      l.ours ? rate(l.ours.instancesPerSecond) : '-',
      l.ours ? rate(l.ours.megabytesPerSecond) : '-',
      orthanc,
      l.orthanc ? rate(l.orthanc.megabytesPerSecond) : '-',
      times(l.ratio),
      l.baseline ? rate(l.baseline.instancesPerSecond) : '-',
      l.floor ? `${rate(l.floor.instancesPerSecond)} (${times(l.floorRatio)})` : '-',
      cpuPerInstance(l.ours),
      cpuPerInstance(l.floor),
      cpuPerInstance(l.orthanc),
      l.ours ? l.ours.processes.map((p) => megabytes(p.peakRssBytes)).join('/') : '-',
      goals.join('; ') || '-',
    ];
  });
  const header = [
    'workload',
    'mode',
    'ours inst/s',
    'ours MB/s',
    'Orthanc inst/s',
    'Orthanc MB/s',
    'ours/Orthanc',
    'baseline inst/s',
    'floor inst/s (/Orthanc)',
    'ours CPU ms/inst gw+val+desc',
    'floor CPU ms/inst gw+val+desc',
    'Orthanc CPU ms/inst',
    'ours peak RSS MB gw/val/desc',
    'issue target',
  ];
  return formatTable(header, rows);
}

/** Ours beside the checkout of --against, one row per workload and mode: rates, CPU per instance, their paired ratios. */
export function formatAgainstSummary(lines: SummaryLine[]): string {
  const rows = lines.map((l) => [
    l.workload.kind,
    l.modeLabel,
    l.ours ? rate(l.ours.instancesPerSecond) : '-',
    l.against ? rate(l.against.instancesPerSecond) : '-',
    times(l.againstRatio),
    cpuPerInstance(l.ours),
    cpuPerInstance(l.against),
    times(l.againstCpuRatio),
    l.against ? l.against.processes.map((p) => megabytes(p.peakRssBytes)).join('/') : '-',
  ]);
  const header = [
    'workload',
    'mode',
    'ours inst/s',
    'against inst/s',
    'ours/against',
    'ours CPU ms/inst gw+val+desc',
    'against CPU ms/inst gw+val+desc',
    'CPU ours/against',
    'against peak RSS MB gw/val/desc',
  ];
  return formatTable(header, rows);
}

/** `gateway+validator+descriptor = total` of one count per instance, as the CPU column has it. */
function workSum(run: RunResult, field: WorkField | 'cpuMs'): string {
  if (run.instances === 0) return '-';
  const counts = field === 'cpuMs' ? run.processes.map((p) => p.cpuMs ?? Number.NaN) : (run.work ?? []).map((w) => w[field]);
  if (counts.length === 0) return '-';
  const total = counts.reduce((sum, v) => sum + v, 0);
  return `${counts.map((c) => perInstance(c, run.instances)).join('+')} = ${perInstance(total, run.instances)}`;
}

/**
 * Our services' work per stored instance, one row per workload and mode (the medians of the runs), each
 * count as gateway+validator+descriptor = total, beside the CPU it cost.
 */
export function formatWorkSummary(lines: SummaryLine[]): string {
  const rows = lines.map((l) => {
    const ours = l.ours;
    const cells = ours
      ? (['fsyncFile', 'fsyncDirectory', 'dbCommits', 'internalRequests', 'logLines', 'cpuMs'] as const).map((field) =>
          workSum(ours, field),
        )
      : [];
    return [l.workload.kind, l.modeLabel, ...cells];
  });
  const header = ['workload', 'mode', 'fsync file', 'fsync directory', 'DB commits', 'requests received', 'log lines', 'CPU ms'];
  return formatTable(header, rows);
}
