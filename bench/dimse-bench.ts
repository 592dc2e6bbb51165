/**
 * `npm run bench -- --only dimse [--quick] [--runs N] [--profile DIR] [--no-floor]`: dcmtk's storescu sends the same
 * files over DICOM (C-STORE) to our receiver (the three services, `node dist/…`), to Orthanc's C-STORE SCP, to
 * dcmtk's storescp (the ceiling: it only writes files) and to the floor's DICOM door (floor-server.ts: the
 * same dcmjs-dimse receiver in front of the floor's pipeline), on one association and on 4 in parallel. The targets of a
 * mode run in turns, a warm-up round first (excluded). Prints, per workload, mode and target, the median
 * rate (inst/s), CPU ms per instance and peak RSS, and the ratios ours / Orthanc and ours / storescp (the
 * median of the rounds' ratios). Each round sends a workload copy of its own (other UIDs), the same copy
 * to every target.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStack } from '../test/support/services.ts';
import { startFloor } from './floor.ts';
import { isOrthancInstalled, startOrthanc } from './orthanc.ts';
import { median } from './measure.ts';
import { findFreePort, stopChild } from './processes.ts';
import { pairedRatio } from './report.ts';
import { readStatusKb } from './rss-sampler.ts';
import { prepareWorkload, workloadSpecs, type Workload } from './workloads.ts';

type TargetName = 'ours' | 'orthanc' | 'storescp' | 'floor';
interface DimseTarget {
  name: TargetName;
  port: number;
  aeTitle: string;
  pids(): number[];
  stop(): Promise<void>;
}
interface RunResult {
  seconds: number;
  instancesPerSecond: number;
  cpuMsPerInstance: number;
  failed: number;
}

const MODES = [
  { label: '1 association', associations: 1 },
  { label: '4 associations', associations: 4 },
] as const;
const TICKS_MS = 10;

/** CPU ms of a process and of its children it has waited for (storescp --fork), from /proc/<pid>/stat. */
function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * TICKS_MS;
  } catch {
    return 0;
  }
}

const PROFILER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'cpu-profiler.mjs');
/** Set by --profile. */
let profileDir: string | undefined;

/**
 * A free port is free only when it is found: our stack's own HTTP ports (port 0) or another process may take
 * it before the target listens on it. Such a start is tried again on another port.
 */
async function startTarget(name: TargetName, dir: string): Promise<DimseTarget> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startTargetOn(name, dir, await findFreePort());
    } catch (error) {
      if (attempt >= 3 || !String((error as Error).message).includes('EADDRINUSE')) throw error;
    }
  }
}

async function startTargetOn(name: TargetName, dir: string, port: number): Promise<DimseTarget> {
  if (name === 'ours') {
    // --profile <dir>: a CPU profile of each service, written when it stops (cpu-profiler.mjs).
    const profiling = profileDir
      ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${PROFILER}`.trim(), PROFILE_DIR: profileDir, PROFILE_LABEL: 'dimse' }
      : {};
    const stack = await startStack({ DIMSE_PORT: String(port), DIMSE_AE_TITLE: 'DSV', LOG_LEVEL: 'info', ...profiling });
    return {
      name,
      port,
      aeTitle: 'DSV',
      pids: () => [stack.gateway, stack.validator, stack.descriptor].map((s) => s.child.pid!),
      stop: () => stack.stop(),
    };
  }
  if (name === 'floor') {
    const floor = await startFloor({ dimsePort: port });
    return { name, port, aeTitle: 'FLOOR', pids: () => floor.processes.map((p) => p.pid), stop: () => floor.stop() };
  }
  if (name === 'orthanc') {
    const orthanc = await startOrthanc({ dicom: { port, aeTitle: 'ORTHANC' } });
    await waitForPort(port);
    return { name, port, aeTitle: 'ORTHANC', pids: () => [orthanc.pid], stop: () => orthanc.stop() };
  }
  const out = await mkdtemp(path.join(dir, 'storescp-'));
  const child = spawn('storescp', ['--fork', '-aet', 'STORESCP', '-od', out, String(port)], {
    env: { ...process.env, TCP_NODELAY: '1' },
    stdio: 'ignore',
  });
  await waitForPort(port);
  return {
    name,
    port,
    aeTitle: 'STORESCP',
    pids: () => [child.pid!],
    stop: async () => {
      await stopChild(child);
      await rm(out, { recursive: true, force: true });
    },
  };
}

async function waitForPort(port: number): Promise<void> {
  const net = await import('node:net');
  for (let i = 0; i < 300; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on ${port}`);
}

/** storescu (TCP_NODELAY=1) on `associations` associations at once, the files dealt round-robin. */
async function sendWith(target: DimseTarget, workload: Workload, associations: number): Promise<RunResult> {
  const groups: string[][] = Array.from({ length: associations }, () => []);
  workload.files.forEach((file, i) => groups[i % associations]!.push(file.path));
  const cpuBefore = target.pids().reduce((sum, pid) => sum + cpuMs(pid), 0);
  const started = process.hrtime.bigint();
  const codes = await Promise.all(
    groups.map(
      (files) =>
        new Promise<{ code: number | null; out: string }>((resolve) => {
          const child = spawn('storescu', ['-aet', 'BENCH', '-aec', target.aeTitle, '127.0.0.1', String(target.port), ...files], {
            env: { ...process.env, TCP_NODELAY: '1' },
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          let out = '';
          child.stdout.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-4000)));
          child.stderr.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-4000)));
          child.once('exit', (code) => resolve({ code, out }));
        }),
    ),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = target.pids().reduce((sum, pid) => sum + cpuMs(pid), 0) - cpuBefore;
  const failed = codes.filter((c) => c.code !== 0);
  if (failed.length > 0)
    console.log(
      `    ${target.name}: storescu ended with ${failed.map((f) => f.code).join(', ')}: ${failed[0]!.out.trim().split('\n').slice(-3).join(' | ')}`,
    );
  return {
    seconds,
    instancesPerSecond: workload.files.length / seconds,
    cpuMsPerInstance: cpu / workload.files.length,
    failed: failed.length,
  };
}

export async function runDimseBench(argv: string[]): Promise<number> {
  const quick = argv.includes('--quick');
  const runsAt = argv.indexOf('--runs');
  const runs = runsAt >= 0 ? Number(argv[runsAt + 1]) : 3;
  const profileAt = argv.indexOf('--profile');
  profileDir = profileAt >= 0 ? path.resolve(argv[profileAt + 1]!) : undefined;
  // Each service writes its profile there as it exits, and cannot make the folder then.
  if (profileDir) await mkdir(profileDir, { recursive: true });
  process.env.TCP_NODELAY = '1';
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-bench-dimse-'));
  process.env.TMPDIR = dir;
  const targets: TargetName[] = [
    'ours',
    ...(isOrthancInstalled() ? (['orthanc'] as const) : []),
    'storescp',
    ...(argv.includes('--no-floor') ? [] : (['floor'] as const)),
  ];
  console.log(
    `DIMSE bench: storescu (dcmtk) -> ${targets.join(', ')}; 1 warm-up run (excluded) and ${runs} timed run(s) per measurement, median shown; ${os.cpus().length} cores; ${quick ? 'QUICK workloads' : 'full workloads'}`,
  );
  console.log(
    '  the targets of a mode are started together and run in turns (each round in the reverse order of the one before), the others idle meanwhile,\n' +
      "  so that the machine's changes of speed fall on all of them alike; ours/Orthanc is the median of the ratios of runs of the same round",
  );
  if (!isOrthancInstalled()) console.log('Orthanc is not installed (apt-get install orthanc): its column is empty');
  const specs = workloadSpecs(quick);
  const lines: string[] = [];
  try {
    for (const kind of ['ct', 'small'] as const) {
      for (const [m, mode] of MODES.entries()) {
        const results = new Map<TargetName, { runs: RunResult[]; rssKb: number }>();
        const started: DimseTarget[] = [];
        try {
          for (const name of targets) {
            started.push(await startTarget(name, dir));
            results.set(name, { runs: [], rssKb: 0 });
          }
          // Round 0 is the warm-up of every target (JIT, caches, the first study folder), excluded.
          for (let round = 0; round <= runs; round++) {
            // Other UIDs for every mode and round, the same files for every target of the round.
            const workload = await prepareWorkload(specs[kind], 100 + m * 10 + round, (line) => console.log(`  ${line}`));
            const order = round % 2 === 0 ? started : [...started].reverse();
            for (const target of order) {
              const result = await sendWith(target, workload, mode.associations);
              if (round > 0) results.get(target.name)!.runs.push(result);
              console.log(
                `  ${kind} ${mode.label} ${target.name} ${round === 0 ? 'warm-up (excluded)' : `run ${round}`}: ${result.instancesPerSecond.toFixed(1)} inst/s, ${result.cpuMsPerInstance.toFixed(2)} CPU ms/inst${result.failed ? `, ${result.failed} storescu failed` : ''}`,
              );
            }
          }
          for (const target of started)
            results.get(target.name)!.rssKb = target.pids().reduce((sum, pid) => sum + (readStatusKb(pid, 'VmHWM') ?? 0), 0);
        } finally {
          for (const target of started) await target.stop();
        }
        const rate = (name: TargetName) => (results.has(name) ? median(results.get(name)!.runs.map((r) => r.instancesPerSecond)) : NaN);
        const ratio = (name: TargetName) => (results.has(name) ? (pairedRatio(results.get('ours')!, results.get(name)!) ?? NaN) : NaN);
        for (const name of targets) {
          const entry = results.get(name)!;
          lines.push(
            `${kind.padEnd(5)} ${mode.label.padEnd(14)} ${name.padEnd(8)} ${rate(name).toFixed(1).padStart(7)} inst/s  ${median(
              entry.runs.map((r) => r.cpuMsPerInstance),
            )
              .toFixed(2)
              .padStart(6)} CPU ms/inst  peak RSS ${(entry.rssKb / 1024).toFixed(0).padStart(4)} MB`,
          );
        }
        const floorRatio =
          results.has('floor') && results.has('orthanc') ? (pairedRatio(results.get('floor')!, results.get('orthanc')!) ?? NaN) : NaN;
        lines.push(
          `${kind.padEnd(5)} ${mode.label.padEnd(14)} ours/orthanc ${ratio('orthanc').toFixed(2)}x (goal >= 1.0x), ours/storescp ${ratio('storescp').toFixed(2)}x (the ceiling)` +
            (results.has('floor') ? `, floor/orthanc ${floorRatio.toFixed(2)}x` : ''),
        );
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  console.log(`\nSummary (median of ${runs}; CPU ms/inst: all the target's processes; peak RSS: their VmHWM summed):`);
  for (const line of lines) console.log(line);
  return 0;
}
