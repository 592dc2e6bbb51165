import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Debian's pydicom lives under /usr/bin/python3 (the default python3 may be another interpreter). */
export const python = '/usr/bin/python3';
export const makeStudyScript = path.resolve(
  process.env.DICOM_TOOLS_DIR ?? path.join(path.dirname(new URL(import.meta.url).pathname), '../../../shared/tools'),
  'make_study.py',
);

let available: boolean | undefined;
export async function generatorAvailable(): Promise<boolean> {
  if (available === undefined) {
    available =
      existsSync(makeStudyScript) &&
      (await run(python, ['-c', 'import pydicom, numpy']).then(
        () => true,
        () => false,
      ));
  }
  return available;
}
export const generatorSkipReason = `the study generator needs ${makeStudyScript} and Debian's python3-pydicom and python3-numpy (apt-get install python3-pydicom python3-numpy)`;

/** Runs shared/tools/make_study.py and returns the files it wrote, sorted. */
export async function makeStudy(kind: 'ct' | 'mr' | 'cr' | 'dx' | 'mf', out: string, args: string[] = []): Promise<string[]> {
  await run(python, [makeStudyScript, kind, '--out', out, ...args], { maxBuffer: 16 * 1024 * 1024 });
  return readdirSync(out)
    .filter((name) => name.endsWith('.dcm'))
    .sort()
    .map((name) => path.join(out, name));
}
