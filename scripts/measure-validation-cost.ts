/**
 * The validator's CPU per instance, without HTTP: every .dcm file of the shared corpus is read into memory
 * once, then inspected and validated `--rounds` times; the CPU time (user + system, process.cpuUsage) is
 * divided by the number of instances validated. Run it on two commits in turns to compare them:
 *
 *   npx tsx scripts/measure-validation-cost.ts --rounds 20
 *
 * Reads ../shared/corpus (or $DICOM_CORPUS_DIR), or with `--dir DIR` every .dcm file under DIR (e.g. the
 * bench's generated series); `--limit N` keeps the first N files in sorted order. Prints one JSON line.
 *
 * CPU time on a shared machine is noisy; an instruction count much less so, if it counts the measured rounds
 * only (start-up and compilation vary from run to run by more than a few rounds cost). `--pause-ms N` prints
 * 'measuring' to stderr and waits N ms before the measured rounds, 'measured' and N ms after them, long enough
 * for callgrind_control to switch counting on and off from another shell:
 *
 *   valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=/tmp/cg.out --smc-check=all-non-file \
 *     node --import tsx scripts/measure-validation-cost.ts --dir DIR --limit 300 --warmup 6 --rounds 3 --pause-ms 1500
 *   callgrind_control -i on PID    (once it says 'measuring')
 *   callgrind_control -i off PID   (once it says 'measured')
 *   instructions per file = Collected / (rounds × files)
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DicomInspector } from '@dsv/common';
import { inspectOptions, loadValidatorConfig } from '../validator/src/config.ts';
import { validateFile } from '../validator/src/domain/validate-file.ts';
import { corpusAvailable, corpusDir, corpusSkipReason, projectRoot } from '../test/support/corpus.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    dir: { type: 'string' },
    limit: { type: 'string' },
    'pause-ms': { type: 'string' },
  },
});
if (values.dir === undefined && !corpusAvailable) {
  console.error(corpusSkipReason);
  process.exit(2);
}

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return listFiles(full);
    return name.endsWith('.dcm') ? [full] : [];
  });
}

const config = loadValidatorConfig({ CONFIG_DIR: path.join(projectRoot, 'config') });
const folders = values.dir === undefined ? ['valid', 'invalid', 'studies'].map((folder) => path.join(corpusDir, folder)) : [values.dir];
const files = folders
  .flatMap((folder) => listFiles(folder))
  .sort()
  .slice(0, values.limit === undefined ? undefined : Number(values.limit));
const contents = files.map((file) => readFileSync(file));

function validateAll(): number {
  let findings = 0;
  for (const [index, bytes] of contents.entries()) {
    const inspector = new DicomInspector(inspectOptions(config));
    inspector.write(bytes);
    const result = validateFile(inspector.end(), path.basename(files[index]!), config);
    findings += result.errors.length + result.warnings.length;
  }
  return findings;
}

/** Blocks the thread without running JavaScript, so nothing is counted while callgrind_control is answered. */
function pause(label: string): void {
  if (values['pause-ms'] === undefined) return;
  console.error(label);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(values['pause-ms']));
}

for (let round = 0; round < Number(values.warmup); round++) validateAll();
const rounds = Number(values.rounds);
pause('measuring');
const start = process.cpuUsage();
let findings = 0;
for (let round = 0; round < rounds; round++) findings = validateAll();
const used = process.cpuUsage(start);
pause('measured');
const instances = rounds * contents.length;
console.log(
  JSON.stringify({
    files: contents.length,
    rounds,
    findingsPerRound: findings,
    cpuMsPerInstance: Number(((used.user + used.system) / 1000 / instances).toFixed(4)),
  }),
);
