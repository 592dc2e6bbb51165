/**
 * `npm run bench:history -- [--rounds N] [--no-orthanc]`: memory against the number of studies a target
 * has taken since it started. The main bench starts every target afresh for each workload, so it cannot
 * see what grows with history. Here one stack (and one Orthanc) takes round after round of 2000 fresh
 * single-file studies (the small workload, new UIDs every round) at concurrency 8, and after each round
 * every process's RSS is printed with the round's rate.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildServices } from '../scripts/build-services.ts';
import { runLoad } from './client.ts';
import { isOrthancInstalled } from './orthanc.ts';
import { noteCleanup, recentCleanupWarning } from './recent-deletions.ts';
import { formatTable } from './report.ts';
import { readStatusKb } from './rss-sampler.ts';
import { startTarget, type Target } from './targets.ts';
import { prepareWorkload, workloadSpecs } from './workloads.ts';

const CONCURRENCY = 8;
/** Workload variants of their own, so that no round re-sends a file the main bench sends. */
const FIRST_VARIANT = 20;

/** Each of the target's processes with its current RSS, e.g. `gateway 104 | validator 91`. */
function describeRss(target: Target): string {
  return target.processes
    .map((p) => {
      const kb = readStatusKb(p.pid, 'VmRSS');
      return `${p.name} ${kb === null ? '?' : Math.round(kb / 1024)}`;
    })
    .join(' | ');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { rounds: { type: 'string', default: '5' }, 'no-orthanc': { type: 'boolean', default: false } },
  });
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds takes a whole number of rounds of 2000 studies');
  const runDir = await mkdtemp(path.join(os.tmpdir(), 'dsv-bench-history-'));
  process.env.TMPDIR = runDir;
  const warning = recentCleanupWarning();
  if (warning) console.log(warning);
  await buildServices();
  const names = values['no-orthanc'] || !isOrthancInstalled() ? (['ours'] as const) : (['ours', 'orthanc'] as const);
  const spec = workloadSpecs(false).small;
  const rows: string[][] = [];
  const targets: Target[] = [];
  try {
    for (const name of names) targets.push(await startTarget(name));
    const header = ['target', 'studies since start', 'inst/s this round', 'RSS MB after the round'];
    for (const target of targets) rows.push([target.name, '0', '-', describeRss(target)]);
    for (let round = 0; round < rounds; round++) {
      const workload = await prepareWorkload(spec, FIRST_VARIANT + round, (line) => console.log(`  ${line}`));
      for (const target of targets) {
        const load = await runLoad(
          workload.files.map((file) => [file]),
          CONCURRENCY,
          target.send,
        );
        const failed = load.requests.filter((request) => !request.ok).length;
        if (failed > 0) throw new Error(`${target.name}: ${failed} of ${load.requests.length} studies failed in round ${round + 1}`);
        const row = [
          target.name,
          String((round + 1) * workload.files.length),
          (load.requests.length / (load.wallMs / 1000)).toFixed(1),
          describeRss(target),
        ];
        rows.push(row);
        console.log(row.join('  '));
      }
    }
    console.log(`\n${formatTable(header, rows)}`);
  } finally {
    for (const target of targets) await target.stop();
    await rm(runDir, { recursive: true, force: true });
    noteCleanup();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
