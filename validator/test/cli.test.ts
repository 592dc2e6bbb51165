import { spawn } from 'node:child_process';
import path from 'node:path';
import { ValidationReportSchema } from '@dsv/common';
import { describe, expect, it } from 'vitest';
import { corpusAvailable, corpusPath, projectRoot } from '../../test/support/corpus.ts';

/** Runs the CLI as `npm run validate` does (tsx), and collects what it printed. */
function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'validator/src/cli.ts'), ...args], {
    cwd: projectRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

describe('validate CLI', () => {
  it('when no path is given, then it prints the usage and exits 2', async () => {
    const { code, stderr } = await runCli([]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/usage: npm run validate/);
  });

  it('when an option is unknown or a path does not exist, then it exits 2', async () => {
    expect((await runCli(['--fast', 'x'])).code).toBe(2);
    expect((await runCli([path.join(projectRoot, 'no-such-folder')])).code).toBe(2);
  });
});

describe.skipIf(!corpusAvailable)('validate CLI on corpus files', () => {
  it('when a valid folder and a broken file are given, then one finding per line, a summary per upload, and exit 1', async () => {
    const { code, stdout } = await runCli([
      corpusPath('valid/studies/pcir-ct-head'),
      corpusPath('invalid/single/missing-type1-StudyInstanceUID.dcm'),
    ]);
    expect(code).toBe(1);
    const lines = stdout.trim().split('\n');
    // The four slices are 18 and 180-182 of a 182-slice head: valid, with the gap as warnings.
    expect(lines).toContain(`${corpusPath('valid/studies/pcir-ct-head')}: 4 files, 0 errors, 2 warnings: valid`);
    expect(lines.filter((line) => line.startsWith('warning')).map((line) => line.split(/\s+/)[1])).toEqual([
      'instance-number-gap',
      'uneven-slice-spacing',
    ]);
    expect(lines).toContain(
      'error   missing-type1  (0020,000D) StudyInstanceUID  missing-type1-StudyInstanceUID.dcm  Type 1 attribute StudyInstanceUID is absent',
    );
    expect(lines.at(-1)).toMatch(/1 file, 1 error, 0 warnings: invalid \(STUDY_INVALID\)$/);
  });

  it('when --json is given, then each upload is one ValidationReport line, and a valid upload exits 0', async () => {
    const { code, stdout } = await runCli(['--json', corpusPath('valid/samples/CT_small.dcm')]);
    expect(code).toBe(0);
    const report = ValidationReportSchema.parse(JSON.parse(stdout));
    expect(report).toMatchObject({ valid: true, instances: [{ file: 'CT_small.dcm', Modality: 'CT' }] });
  });
});
