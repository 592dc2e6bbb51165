import { readFileSync, readlinkSync, statSync } from 'node:fs';
import { cp, mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTarget, type Target } from '../../bench/targets.ts';
import type { WorkloadFile } from '../../bench/workloads.ts';
import { projectRoot } from '../support/corpus.ts';
import { generatorAvailable, generatorSkipReason, makeStudy } from '../support/make-study.ts';

const canGenerate = await generatorAvailable();
if (!canGenerate) console.warn(`[bench against] ${generatorSkipReason}`);

/**
 * `npm run bench -- --against DIR` measures the services of another checkout in turns beside this one's:
 * its target must run that checkout's bundles and configuration, not these, or the comparison compares
 * this commit with itself.
 */
describe.skipIf(!canGenerate)('the bench target against another checkout', () => {
  let dir: string;
  let other: string;
  let target: Target;
  let files: WorkloadFile[];

  const tmpdir = process.env.TMPDIR;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-against-test-'));
    // The target's stack and the trash it moves stored studies into at its stop (bench/targets.ts) live
    // under the temporary folder, as under the bench's own: here this test's, removed at its end.
    process.env.TMPDIR = dir;
    // Another checkout, as far as running the services goes: its built bundles, its config/ and its
    // node_modules (the bundles leave the native better-sqlite3 to it), here this checkout's.
    other = path.join(dir, 'checkout');
    await cp(path.join(projectRoot, 'dist'), path.join(other, 'dist'), { recursive: true });
    await cp(path.join(projectRoot, 'config'), path.join(other, 'config'), { recursive: true });
    await symlink(path.join(projectRoot, 'node_modules'), path.join(other, 'node_modules'));
    const paths = await makeStudy('ct', path.join(dir, 'ct'), ['--slices', '3', '--rows', '32', '--cols', '32', '--seed', '63']);
    files = paths.map((file) => ({ path: file, name: path.basename(file), bytes: statSync(file).size }));
    target = await startTarget('against', { againstRoot: other });
  }, 60_000);
  afterAll(async () => {
    try {
      await target?.stop();
    } finally {
      if (tmpdir === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = tmpdir;
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("when started, then each of its three processes runs the other checkout's bundle from that checkout", () => {
    expect(target.name).toBe('against');
    const runs = target.processes.map(({ name, pid }) => ({
      name,
      bundle: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').at(-2),
      cwd: readlinkSync(`/proc/${pid}/cwd`),
    }));
    expect(runs).toEqual(
      ['gateway', 'validator', 'descriptor'].map((name) => ({ name, bundle: path.join(other, 'dist', `${name}.mjs`), cwd: other })),
    );
  });

  it('when sent a study one file per request, then it stores every file, and its work counters are read as ours are', async () => {
    const before = await target.readWork!();
    for (const file of files) expect(await target.send([file])).toMatchObject({ ok: true });
    const after = await target.readWork!();
    // One file at a time: each is one call to the validator and one to the descriptor (no batch forms).
    const received = (name: string) =>
      after.find((w) => w.name === name)!.internalRequests - before.find((w) => w.name === name)!.internalRequests;
    expect(received('validator')).toBeGreaterThanOrEqual(files.length);
    expect(received('descriptor')).toBeGreaterThanOrEqual(files.length);
  });
});
