/**
 * `npm run bench [-- --runs N --quick --only ct|small|big|dimse --no-orthanc --no-baseline]` (dimse: bench/dimse-bench.ts)
 *
 * Sends generated workloads to our three services (bundled into dist/ as `npm start` does, then started
 * here by `startStack`), to Orthanc's `POST /instances` when it is installed, and to a bare Node server
 * that only writes request bodies to disk, and prints every run, the medians and the ratio ours /
 * Orthanc. Not part of `npm test`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildServices, bundlePath, SERVICES } from '../scripts/build-services.ts';
import { projectRoot } from '../test/support/corpus.ts';
import { measureRun, type Measurement, type Mode } from './measure.ts';
import { isOrthancInstalled, ORTHANC_BINARY } from './orthanc.ts';
import { findOwnChildren } from './processes.ts';
import {
  describeWorkload,
  formatSummary,
  formatWorkloadSection,
  formatWorkSummary,
  medianOf,
  formatAgainstSummary,
  pairedCpuRatio,
  pairedRatio,
  type Goal,
  type SummaryLine,
} from './report.ts';
import { FLOOR_SERVER, type FloorChecks } from './floor.ts';
import { startTarget, type Target, type TargetName } from './targets.ts';
import { noteCleanup, recentCleanupWarning } from './recent-deletions.ts';
import { cacheDir, prepareWorkload, workloadSpecs, type Workload, type WorkloadKind } from './workloads.ts';

const USAGE = `npm run bench -- [options]
  --runs N         timed runs per measurement, after one warm-up run that is excluded (default 3)
  --quick          reduced workloads for development: 50 CT files, 200 small files, a 128 MiB file
  --only KIND      ct, small or big; repeat or separate with commas (default: all three)
  --no-orthanc     do not run Orthanc even when it is installed
  --no-baseline    do not run the bare Node baseline
  --no-floor       do not run the floor (bench/floor-server.ts: three bare processes over HTTP; ct and small only)
  --floor-checks   the floor's validator runs our validator's checks on each file instead of parsing its header alone
  --floor-checks-in-gateway
                   the floor's gateway runs those checks itself and never calls its validator (one hop fewer)
  --quiet-wait S   before each run, wait up to S seconds for the rest of the machine to go quiet (default 20, 0: no wait)
  --json FILE      also write every run's numbers as JSON to FILE
  --against DIR    also run our services from the checkout at DIR (another commit, its node_modules installed;
                   built here first), in turns beside this one: ours / against, rate and CPU, run by run
  --profile DIR    write a CPU profile of each of our services per workload and mode into DIR (slows them);
                   read one with: npx tsx bench/summarise-profile.ts DIR/FILE.cpuprofile
  --help`;

/** A bad command line: answered with the message and the usage, exit code 2. */
class UsageError extends Error {}

const MODES: Record<WorkloadKind, Mode[]> = {
  ct: [
    { label: '1 request', concurrency: 1, perFile: false },
    { label: 'c=1', concurrency: 1, perFile: true },
    { label: 'c=4', concurrency: 4, perFile: true },
    { label: 'c=8', concurrency: 8, perFile: true },
  ],
  small: [{ label: 'c=8', concurrency: 8, perFile: true }],
  big: [{ label: '1 file', concurrency: 1, perFile: true }],
};

/** Orthanc's mode measured beside our study in one request. */
const BESIDE_ONE_REQUEST: Mode = { label: 'c=8', concurrency: 8, perFile: true };

const RSS_LIMIT = 150 * 1_000_000;

interface Options {
  runs: number;
  quick: boolean;
  only: WorkloadKind[];
  orthanc: boolean;
  baseline: boolean;
  floor: boolean;
  floorChecks: FloorChecks | undefined;
  profileDir: string | undefined;
  againstRoot: string | undefined;
  quietWaitMs: number;
  jsonFile: string | undefined;
}

function parseOptions(argv: string[]): Options | null {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        runs: { type: 'string', default: '3' },
        quick: { type: 'boolean', default: false },
        only: { type: 'string', multiple: true },
        'no-orthanc': { type: 'boolean', default: false },
        'no-baseline': { type: 'boolean', default: false },
        'no-floor': { type: 'boolean', default: false },
        'floor-checks': { type: 'boolean', default: false },
        'floor-checks-in-gateway': { type: 'boolean', default: false },
        profile: { type: 'string' },
        against: { type: 'string' },
        'quiet-wait': { type: 'string', default: '20' },
        json: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values } = parsed;
  if (values.help) return null;
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new UsageError(`--runs must be a whole number ≥ 1, not ${values.runs}`);
  const quietWait = Number(values['quiet-wait']);
  if (!Number.isFinite(quietWait) || quietWait < 0) throw new UsageError(`--quiet-wait takes seconds ≥ 0, not ${values['quiet-wait']}`);
  const kinds = (values.only ?? ['ct,small,big']).flatMap((v) => v.split(',')).map((v) => v.trim());
  const unknown = kinds.filter((k) => !(k in MODES));
  if (unknown.length) throw new UsageError(`--only takes ct, small or big, not ${unknown.join(', ')}`);
  const againstRoot = values.against ? path.resolve(values.against) : undefined;
  if (againstRoot && !existsSync(path.join(againstRoot, 'scripts', 'build-services.ts')))
    throw new UsageError(`--against takes a checkout of this project (with scripts/build-services.ts), not ${againstRoot}`);
  if (againstRoot === projectRoot) throw new UsageError('--against takes another checkout than this one');
  return {
    runs,
    quick: values.quick,
    only: [...new Set(kinds)] as WorkloadKind[],
    orthanc: !values['no-orthanc'],
    baseline: !values['no-baseline'],
    floor: !values['no-floor'],
    floorChecks: values['floor-checks-in-gateway'] ? 'gateway' : values['floor-checks'] ? 'validator' : undefined,
    profileDir: values.profile ? path.resolve(values.profile) : undefined,
    againstRoot,
    quietWaitMs: quietWait * 1000,
    jsonFile: values.json ? path.resolve(values.json) : undefined,
  };
}

// Everything the bench starts registers how to stop it here, so an error or Ctrl-C stops it too.
const cleanups = new Set<() => Promise<void>>();
let runDir: string | null = null;
/** The checkout --against runs, once built: its services are stopped at the end too. */
let againstCheckout: string | undefined;

async function cleanUp(): Promise<void> {
  await Promise.allSettled([...cleanups].map((stop) => stop()));
  cleanups.clear();
  // A start-up that failed half-way leaves processes with no handle: ours, by their parent and command.
  const roots = againstCheckout ? [projectRoot, againstCheckout] : [projectRoot];
  const bundles = roots.flatMap((root) => SERVICES.map((service) => bundlePath(service, root)));
  for (const marker of [...bundles, ORTHANC_BINARY, 'baseline-server.ts', FLOOR_SERVER]) {
    for (const pid of findOwnChildren(marker)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  if (runDir) {
    await rm(runDir, { recursive: true, force: true });
    noteCleanup();
  }
  runDir = null;
}

let stopping = false;
function onSignal(signal: NodeJS.Signals): void {
  if (stopping) return;
  stopping = true;
  log(`\n${signal}: stopping the services, Orthanc, the baseline and the floor, removing temporary folders…`);
  void cleanUp().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** One target to measure in a mode's loop: which, and in which mode (Orthanc has no study in one request). */
interface Entry {
  name: TargetName;
  mode: Mode;
  beside?: string;
}

/**
 * The targets compared in one mode, started together and measured in turns: run i (0: the warm-up) of
 * each, then run i + 1 of each in the reverse order, so that a change of the machine's speed (this VM's
 * varies by 2x within an hour) falls on every target alike; the targets not running sit idle. Run i sends
 * variants[i]: instances the target has never seen.
 */
async function measureTogether(variants: Workload[], entries: Entry[], options: Options): Promise<Measurement[]> {
  const workload = variants[0]!;
  const measurements = entries.map((entry): Measurement => ({
    workload,
    mode: entry.mode,
    target: entry.name,
    warmup: null,
    runs: [],
    skipped: null,
    ...(entry.beside ? { beside: entry.beside } : {}),
  }));
  const started: Array<{ target: Target; measurement: Measurement } | null> = [];
  try {
    for (const [index, entry] of entries.entries()) {
      const measurement = measurements[index]!;
      try {
        const label = `${workload.kind}-${entry.mode.label.replace(/[^a-z0-9]+/gi, '')}`;
        // Profiles are of our services only (startTarget passes the options to them alone).
        const target = await startTarget(entry.name, {
          profileDir: options.profileDir,
          profileLabel: label,
          againstRoot: options.againstRoot,
          floorChecks: options.floorChecks,
        });
        cleanups.add(target.stop);
        started.push({ target, measurement });
      } catch (error) {
        if (stopping) throw error;
        measurement.skipped = `failed: ${(error as Error).message.split('\n')[0]}`;
        log(`  ${entry.name} ${workload.kind} ${entry.mode.label}: ${measurement.skipped}`);
        started.push(null);
      }
    }
    for (let i = 0; i <= options.runs; i++) {
      const turn = i % 2 === 0 ? started : [...started].reverse();
      for (const running of turn) {
        if (stopping) return measurements;
        if (!running || running.measurement.skipped) continue;
        await runOnce(running.target, running.measurement, variants[i]!, i, options);
      }
    }
  } finally {
    for (const running of started) {
      if (!running) continue;
      cleanups.delete(running.target.stop);
      await running.target.stop();
    }
  }
  return measurements;
}

async function runOnce(target: Target, measurement: Measurement, variant: Workload, i: number, options: Options): Promise<void> {
  const { mode, workload, target: name } = measurement;
  const batches = mode.perFile ? variant.files.map((f) => [f]) : [variant.files];
  try {
    const result = await measureRun(i === 0 ? 'warm-up' : `run ${i}`, target, batches, mode.concurrency, options.quietWaitMs);
    if (i === 0) measurement.warmup = result;
    else measurement.runs.push(result);
    const failed = result.failures ? `, ${result.failures} FAILED (${result.firstError})` : '';
    const noisy = result.quietWaitMs === null ? ' (the machine did not go quiet before it)' : '';
    log(
      `  ${name} ${workload.kind} ${mode.label} ${i === 0 ? 'warm-up (excluded)' : result.label}: ` +
        `${result.instancesPerSecond.toPrecision(3)} inst/s, ${result.megabytesPerSecond.toFixed(1)} MB/s, ` +
        `p50 ${result.p50Ms.toFixed(0)} ms, p95 ${result.p95Ms.toFixed(0)} ms, others' CPU ${((result.otherCpuMs ?? Number.NaN) / 1000).toFixed(1)} s${noisy}${failed}`,
    );
  } catch (error) {
    if (stopping) throw error;
    measurement.skipped = `failed: ${(error as Error).message.split('\n')[0]}`;
    log(`  ${name} ${workload.kind} ${mode.label}: ${measurement.skipped}`);
  }
}

function goalsFor(kind: WorkloadKind, mode: Mode): Goal[] {
  const faster = (factor: number): Goal => ({
    text: `≥ ${factor}x Orthanc c=8`,
    check: (_ours, ratio) => (ratio === null ? null : ratio >= factor),
  });
  const rss: Goal = {
    text: 'each service < 150 MB RSS',
    check: (ours) =>
      ours.processes.every((p) => p.peakRssBytes !== null) ? ours.processes.every((p) => p.peakRssBytes! < RSS_LIMIT) : null,
  };
  if (kind === 'ct' && !mode.perFile) return [faster(1.5)];
  if (kind === 'ct' && mode.concurrency === 8) return [faster(1)];
  if (kind === 'small') return [faster(1), rss];
  if (kind === 'big') return [rss];
  return [];
}

function summarise(workload: Workload, measurements: Measurement[], orthancMissing: string | null): SummaryLine[] {
  // Each mode's own loop: Orthanc at c=8 beside our study in one request counts for that mode only.
  const find = (target: TargetName, label: string): Measurement | undefined =>
    measurements.find((m) => m.target === target && (m.beside ?? m.mode.label) === label);
  return MODES[workload.kind].map((mode) => {
    const orthanc = find('orthanc', mode.label);
    const ours = find('ours', mode.label);
    const baseline = find('baseline', mode.label);
    const floor = find('floor', mode.label);
    const against = find('against', mode.label);
    return {
      workload,
      modeLabel: mode.label,
      ours: ours ? medianOf(ours) : null,
      orthanc: orthanc ? medianOf(orthanc) : null,
      ratio: ours && orthanc ? pairedRatio(ours, orthanc) : null,
      orthancLabel: orthanc && orthanc.mode.label !== mode.label ? ` (${orthanc.mode.label})` : '',
      orthancMissing: orthanc?.skipped ?? orthancMissing,
      baseline: baseline ? medianOf(baseline) : null,
      floor: floor ? medianOf(floor) : null,
      floorRatio: floor && orthanc ? pairedRatio(floor, orthanc) : null,
      against: against ? medianOf(against) : null,
      againstRatio: ours && against ? pairedRatio(ours, against) : null,
      againstCpuRatio: ours && against ? pairedCpuRatio(ours, against) : null,
      goals: goalsFor(workload.kind, mode),
    };
  });
}

/** The commit a checkout is at, and how many of its paths differ from it. */
function describeCommit(root: string): string {
  try {
    let commit = execFileSync('git', ['-C', root, 'describe', '--always', '--dirty'], { encoding: 'utf8' }).trim();
    const changed = execFileSync('git', ['-C', root, 'status', '--porcelain'], { encoding: 'utf8' }).split('\n').filter(Boolean);
    if (changed.length) commit += ` (${changed.length} paths changed or new since the commit)`;
    return commit;
  } catch {
    return 'not a git checkout';
  }
}

function describeMachine(options: Options): string[] {
  const commit = describeCommit(projectRoot);
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return [
    `dsv bench: ${new Date().toISOString()}, commit ${commit}, Node ${process.version}, ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
    `${options.quick ? 'QUICK (reduced workloads), ' : ''}${options.runs} timed run(s) per measurement, each after 1 warm-up run that is EXCLUDED from the medians;`,
    '  the targets compared in a mode are started together and run in turns (ours, against, Orthanc, baseline, floor, then the reverse order),',
    "  the others idle meanwhile, so that the machine's changes of speed fall on all of them alike;",
    '  every run (the warm-up too) sends its own copy of the workload (other seed: other UIDs and bytes), since re-sent files',
    "  are answered without being stored (our duplicateOf, Orthanc's AlreadyStored); an answer of either kind counts as failed.",
    'Timing: from just before the first request starts to the last answer. Our gateway is asked ?wait=true, so it answers when',
    '  the upload is stored; Orthanc answers POST /instances once stored; the baseline once the body is on disk (no fsync);',
    '  the floor (bench/floor-server.ts: three Node processes over HTTP doing only what the design needs: staged, hashed, flushed,',
    options.floorChecks === 'validator'
      ? "  each file checked by our validator's checks (--floor-checks), hard-linked, one SQLite commit and folder flush per batch; no statuses, events, logs or documents) once stored."
      : options.floorChecks === 'gateway'
        ? "  each file checked by our validator's checks in the gateway itself, no call to a validator (--floor-checks-in-gateway), hard-linked, one SQLite commit and folder flush per batch; no statuses, events, logs or documents) once stored."
        : '  header parsed, hard-linked, one SQLite commit and folder flush per batch; no statuses, events, logs, checks or documents) once stored.',
    'inst/s and MB/s (10^6 bytes) count stored instances only; p50/p95: nearest rank over the requests of the run;',
    '  peak RSS: VmHWM reset at the start of the run (clear_refs), checked against VmRSS sampled every 50 ms;',
    '  CPU: user + system time of each process during the run; client CPU: this process (node:http, keep-alive, multipart written by hand);',
    '  others CPU: busy time of the whole machine during the run less all of the above (other work sharing the 2 cores).',
    "Before each run, untimed: the previous run's stored data is moved aside (ours) or deleted (Orthanc), `sync` writes out dirty pages, and the bench waits",
    `  (up to ${options.quietWaitMs / 1000} s) for the rest of the machine to stay under a quarter of a core for 2 s; a run marked * did not get that.`,
  ];
}

async function main(): Promise<number> {
  // DICOM ingress has a bench of its own (storescu to ours, Orthanc's C-STORE and storescp): bench/dimse-bench.ts.
  if (process.argv.slice(2).some((arg, i, all) => (arg === '--only' && all[i + 1] === 'dimse') || arg === '--only=dimse')) {
    await buildServices();
    const { runDimseBench } = await import('./dimse-bench.ts');
    return runDimseBench(process.argv.slice(2));
  }
  const options = parseOptions(process.argv.slice(2));
  if (!options) {
    log(USAGE);
    return 0;
  }
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // Every temporary folder (the stacks', Orthanc's, the baseline's, the floor's) goes under one folder removed at the end.
  runDir = await mkdtemp(path.join(os.tmpdir(), 'dsv-bench-run-'));
  process.env.TMPDIR = runDir;

  describeMachine(options).forEach((line) => log(line));
  const cleanupWarning = recentCleanupWarning();
  if (cleanupWarning) log(cleanupWarning);
  // Our services run as `npm start` runs them: node dist/<service>.mjs, built from the sources as they are now.
  await buildServices();
  if (options.againstRoot) {
    againstCheckout = options.againstRoot;
    log(
      `Against: our services from ${options.againstRoot} (${describeCommit(options.againstRoot)}), built there now, run in turns beside these`,
    );
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: options.againstRoot, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const orthancMissing = !options.orthanc ? 'skipped (--no-orthanc)' : isOrthancInstalled() ? null : `not installed (${ORTHANC_BINARY})`;
  if (orthancMissing) log(`Orthanc: ${orthancMissing}`);
  else
    log(
      `Orthanc: ${ORTHANC_BINARY}, own temporary config and storage, SQLite index, no plugins, no DICOM port, no compression; listens on all interfaces (1.10 has no bind address) with RemoteAccessAllowed false; restarted empty between runs (the previous run's folder moved aside, not deleted)`,
    );
  log(`Workload cache: ${cacheDir} (kept; delete it to regenerate)`);
  if (options.profileDir) {
    await mkdir(options.profileDir, { recursive: true });
    log(`CPU profiles of our services go to ${options.profileDir}: the profiler slows them, so these numbers are not comparable`);
  }

  const sections: string[] = [];
  const all: Measurement[] = [];
  const summary: SummaryLine[] = [];
  const specs = workloadSpecs(options.quick);
  for (const kind of options.only) {
    const variants: Workload[] = [];
    for (let v = 0; v <= options.runs; v++) variants.push(await prepareWorkload(specs[kind], v, (line) => log(`  ${line}`)));
    const workload = variants[0]!;
    log(`\n${describeWorkload(variants)}`);
    const measurements: Measurement[] = [];
    for (const mode of MODES[kind]) {
      if (stopping) return 130;
      const entries: Entry[] = [{ name: 'ours', mode }];
      if (options.againstRoot) entries.push({ name: 'against', mode });
      // A study in one request has no Orthanc equivalent: it is compared with Orthanc's best, c=8.
      const orthancMode = mode.perFile ? mode : { ...BESIDE_ONE_REQUEST, label: `${BESIDE_ONE_REQUEST.label} beside ${mode.label}` };
      if (!orthancMissing) entries.push({ name: 'orthanc', mode: orthancMode, ...(mode.perFile ? {} : { beside: mode.label }) });
      if (options.baseline) entries.push({ name: 'baseline', mode });
      // Not the 1 GiB file: the floor's validator reads each file whole.
      if (options.floor && kind !== 'big') entries.push({ name: 'floor', mode });
      measurements.push(...(await measureTogether(variants, entries, options)));
      if (orthancMissing)
        measurements.push({
          workload,
          mode: orthancMode,
          target: 'orthanc',
          warmup: null,
          runs: [],
          skipped: orthancMissing,
          ...(mode.perFile ? {} : { beside: mode.label }),
        });
    }
    sections.push(formatWorkloadSection(variants, measurements));
    all.push(...measurements);
    summary.push(...summarise(workload, measurements, orthancMissing));
  }
  log(`\n${sections.join('\n\n')}`);
  log(
    '\nSummary: medians of the timed runs (peak RSS: the largest of the runs); ratio = ours / Orthanc inst/s, the median of the ratios of runs taken in the same turn',
  );
  log(formatSummary(summary));
  log(
    '\nOur work per stored instance (medians of the timed runs), gateway+validator+descriptor = total: flushes (fsync, fdatasync) of files and',
  );
  log('  of folders, SQLite commits, requests received from the other services (/v1/), log lines, and the CPU ms they cost;');
  log(
    "  read from each service's /metrics before and after each timed run (dsv_fsync_total, dsv_db_commits_total, dsv_internal_requests_total, dsv_log_lines_total)",
  );
  log(formatWorkSummary(summary));
  if (options.againstRoot) {
    log(`\nOurs against ${options.againstRoot} (${describeCommit(options.againstRoot)}), in turns: medians of the timed runs;`);
    log('  each ratio is the median of the ratios of runs taken in the same turn (CPU: all three services, per stored instance)');
    log(formatAgainstSummary(summary));
  }
  if (options.jsonFile) {
    const runs = all.map(({ workload, ...m }) => ({
      workload: { kind: workload.kind, title: workload.title, files: workload.files.length, bytes: workload.totalBytes },
      ...m,
    }));
    await writeFile(options.jsonFile, `${JSON.stringify({ options, runs }, null, 2)}\n`);
    log(`Every run's numbers: ${options.jsonFile}`);
  }
  log(
    'The issue quotes Orthanc at c=8 at ≈620 CT inst/s and ≈990 small inst/s "on this kind of machine"; the Orthanc columns are what it did here.',
  );
  return 0;
}

let code = 1;
try {
  code = await main();
} catch (error) {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    code = 2;
  } else process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
} finally {
  await cleanUp();
}
process.exit(code);
