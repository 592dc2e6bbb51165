import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../test/support/corpus.ts';

export type WorkloadKind = 'ct' | 'small' | 'big';

/** What to generate: one `make_study.py` command line, named by every parameter that changes its bytes. */
export interface WorkloadSpec {
  kind: WorkloadKind;
  title: string;
  generator: 'ct' | 'mf';
  /** Slices for ct, frames for mf. */
  count: number;
  rows: number;
  cols: number;
  seed: number;
}

export interface WorkloadFile {
  path: string;
  name: string;
  bytes: number;
}

export interface Workload extends WorkloadSpec {
  /**
   * Which copy: every run sends instances never sent before (other seed, so other UIDs and bytes), as
   * both our gateway (duplicateOf) and Orthanc (AlreadyStored) answer re-sent files without storing them.
   */
  variant: number;
  dir: string;
  files: WorkloadFile[];
  totalBytes: number;
}

/** The workloads of the issue, and the reduced set of `--quick`. */
export function workloadSpecs(quick: boolean): Record<WorkloadKind, WorkloadSpec> {
  return {
    ct: { kind: 'ct', title: 'CT study, 512x512x16-bit', generator: 'ct', count: quick ? 50 : 200, rows: 512, cols: 512, seed: 701 },
    small: {
      kind: 'small',
      title: 'small files, 64x64x16-bit (~10 KB)',
      generator: 'ct',
      count: quick ? 200 : 2000,
      rows: 64,
      cols: 64,
      seed: 702,
    },
    // 2048 frames of 512x512x2 bytes = 1 GiB of pixel data; 256 frames = 128 MiB.
    big: {
      kind: 'big',
      title: 'one multi-frame file, 512x512x16-bit frames',
      generator: 'mf',
      count: quick ? 256 : 2048,
      rows: 512,
      cols: 512,
      seed: 703,
    },
  };
}

/** Generated workloads are kept here between runs; nothing else of the bench stays. */
export const cacheDir = path.join(os.tmpdir(), 'dsv-bench-cache');

const PYTHON = '/usr/bin/python3';
const MAKE_STUDY = path.resolve(projectRoot, '..', 'shared', 'tools', 'make_study.py');

/** Variant v of a workload is generated with seed + 100·v. */
export function variantSeed(spec: WorkloadSpec, variant: number): number {
  return spec.seed + 100 * variant;
}

function cacheKey(spec: WorkloadSpec, variant: number): string {
  return `${spec.generator}-${spec.count}x${spec.rows}x${spec.cols}-seed${variantSeed(spec, variant)}`;
}

/**
 * The workload's files, generated on first use. It is written to `<key>.partial` and renamed when
 * complete, so an interrupted generation is never mistaken for a cached one.
 */
export async function prepareWorkload(spec: WorkloadSpec, variant: number, log: (line: string) => void): Promise<Workload> {
  const key = cacheKey(spec, variant);
  const dir = path.join(cacheDir, key);
  if (!existsSync(dir)) {
    if (!existsSync(MAKE_STUDY)) throw new Error(`the generator is not at ${MAKE_STUDY}`);
    const partial = `${dir}.partial`;
    await rm(partial, { recursive: true, force: true });
    await mkdir(cacheDir, { recursive: true });
    log(`generating ${key} into ${dir} (once; cached afterwards)`);
    const started = Date.now();
    await runGenerator(spec, variantSeed(spec, variant), partial);
    await rename(partial, dir);
    log(`generated in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  const names = (await readdir(dir)).filter((name) => name.endsWith('.dcm')).sort();
  const files = await Promise.all(
    names.map(async (name) => {
      const file = path.join(dir, name);
      return { path: file, name, bytes: (await stat(file)).size };
    }),
  );
  if (files.length === 0) throw new Error(`no .dcm file in ${dir}: delete it to regenerate`);
  return { ...spec, variant, dir, files, totalBytes: files.reduce((sum, f) => sum + f.bytes, 0) };
}

function runGenerator(spec: WorkloadSpec, seed: number, out: string): Promise<void> {
  const size = ['--rows', String(spec.rows), '--cols', String(spec.cols)];
  const amount = spec.generator === 'mf' ? ['--frames', String(spec.count)] : ['--slices', String(spec.count)];
  const args = [MAKE_STUDY, spec.generator, ...amount, ...size, '--out', out, '--seed', String(seed)];
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${PYTHON} ${args.join(' ')} ended with ${code ?? signal}:\n${stderr}`)),
    );
  });
}
