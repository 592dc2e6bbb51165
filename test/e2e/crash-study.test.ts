import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { removeConfigDirs, writeConfigDir } from '../support/config-dir.ts';
import { generatorAvailable, generatorSkipReason, makeStudy } from '../support/make-study.ts';
import {
  getJson,
  incomingLeftovers,
  sha256,
  storedOriginalHashes,
  upload,
  visibleEntries,
  waitFor,
  waitForStates,
  type Body,
} from '../support/gateway-calls.ts';
import { startStack, type Stack } from '../support/services.ts';

/**
 * Issue 20, faults: SIGKILL of a service while deliveries join one study, or while its documents are
 * rewritten, leaves after the restart every accepted delivery stored exactly once, the study's documents
 * whole and listing every instance, and the catalogue agreeing with the folder.
 */
const canGenerate = await generatorAvailable();
if (!canGenerate) console.warn(`[crash-study] ${generatorSkipReason}`);

describe.skipIf(!canGenerate)('a study whose deliveries are joining when a service is killed', () => {
  let dir: string;
  let slices: string[];
  let stack: Stack | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-crash-study-'));
    slices = await makeStudy('ct', path.join(dir, 'ct'), ['--slices', '24', '--rows', '64', '--cols', '64', '--seed', '30']);
  }, 60_000);
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
    await removeConfigDirs();
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** Every delivery accepted (202), one file each, sent all at once. */
  async function deliverAll(target: Stack): Promise<string[]> {
    const answers = await Promise.all(slices.map((file) => upload(target.gateway.url, [file])));
    expect(answers.map((answer) => answer.status)).toEqual(slices.map(() => 202));
    return answers.map((answer) => answer.body.id as string);
  }

  /** What the whole study must look like once every delivery is through. */
  async function expectWholeStudy(target: Stack, ids: readonly string[]): Promise<void> {
    const statuses = await waitForStates(target, ids, ['stored', 'rejected', 'failed'], 60_000);
    expect(statuses.map((status: Body) => status.state)).toEqual(ids.map(() => 'stored'));
    const uid = statuses[0]!.study.StudyInstanceUID as string;
    expect(visibleEntries(target.studiesDir)).toEqual([uid]);
    expect(incomingLeftovers(target.studiesDir)).toEqual([]);
    const folder = path.join(target.studiesDir, uid);
    // Each instance once, byte for byte.
    expect(storedOriginalHashes(folder)).toEqual(slices.map(sha256).sort());
    // The documents are whole JSON listing every instance (written after the restart if the crash was between).
    const metadata = await waitFor(
      async () => JSON.parse(readFileSync(path.join(folder, 'metadata.json'), 'utf8')),
      (value) => value.summary.numberOfInstances === slices.length,
      20_000,
    );
    expect(new Set(metadata.instances.map((instance: Body) => instance.sha256))).toEqual(new Set(slices.map(sha256)));
    expect(new Set(metadata.deliveries)).toEqual(new Set(ids));
    // The catalogue agrees with the folder.
    const db = new Database(path.join(target.dir, 'var', 'descriptor.db'), { readonly: true });
    try {
      const rows = db.prepare('SELECT path, sha256 FROM instances WHERE study_uid = ?').all(uid) as { path: string; sha256: string }[];
      expect(rows).toHaveLength(slices.length);
      for (const row of rows) expect(sha256(path.join(folder, row.path))).toBe(row.sha256);
    } finally {
      db.close();
    }
    const listed = await getJson(`${target.gateway.url}/studies`);
    expect(listed.body.studies.map((study: Body) => [study.id, study.summary.numberOfInstances])).toEqual([[uid, slices.length]]);
  }

  for (const victim of ['descriptor', 'validator', 'gateway'] as const) {
    it(`when the ${victim} is killed (SIGKILL) while the deliveries join the study, then after its restart every delivery is stored once and the documents list every instance`, async () => {
      // Long retries: the deliveries wait for the killed service instead of failing.
      const configDir = await writeConfigDir({ gateway: { pipeline: { retry: { attempts: 20, baseDelayMs: 100, maxDelayMs: 1000 } } } });
      stack = await startStack({ CONFIG_DIR: configDir, STABLE_AFTER_SECONDS: '600' });
      const ids = await deliverAll(stack);
      // Killed as soon as the study has started to grow: deliveries are joining and documents being rewritten.
      await waitFor(
        async () => visibleEntries(stack!.studiesDir).length,
        (count) => count > 0,
        20_000,
        5,
      );
      await stack[victim].stop('SIGKILL');
      const folder = path.join(stack.studiesDir, visibleEntries(stack.studiesDir)[0]!);
      console.log(
        `[crash-study] ${victim} killed with ${storedOriginalHashes(folder).length} of ${slices.length} instances in the study folder`,
      );
      await stack.restart(victim);
      await expectWholeStudy(stack, ids);
    });
  }
});
