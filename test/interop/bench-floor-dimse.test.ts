import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFloor, type RunningFloor } from '../../bench/floor.ts';
import { dcmtkAvailable, dcmtkSkipReason, freePort, runDcmtk } from '../support/dimse-tools.ts';
import { generatorAvailable, generatorSkipReason, makeStudy } from '../support/make-study.ts';

const canGenerate = await generatorAvailable();
if (!dcmtkAvailable) console.warn(`[bench floor over DICOM] ${dcmtkSkipReason}`);
if (!canGenerate) console.warn(`[bench floor over DICOM] ${generatorSkipReason}`);

/**
 * The DICOM door of the bench's floor (npm run bench -- --only dimse) is compared with our receiver and
 * Orthanc: dcmtk's storescu must get Success for each instance, and each must be stored.
 */
describe.skipIf(!dcmtkAvailable || !canGenerate)("the bench floor's DICOM door", () => {
  let dir: string;
  let floor: RunningFloor;
  let port: number;
  let files: string[];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-floor-dimse-'));
    files = await makeStudy('ct', path.join(dir, 'ct'), ['--slices', '5', '--rows', '32', '--cols', '32', '--seed', '62']);
    port = await freePort();
    floor = await startFloor({ dimsePort: port });
  }, 60_000);
  afterAll(async () => {
    await floor?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('when storescu sends a study on one association, then every instance is answered Success, linked into its study folder and recorded', async () => {
    const run = await runDcmtk('storescu', ['-aet', 'TEST', '-aec', 'FLOOR', '127.0.0.1', String(port), ...files]);
    expect(run.code).toBe(0);
    const studies = path.join(floor.dir, 'descriptor', 'studies');
    const [study, ...others] = readdirSync(studies);
    expect(others).toEqual([]);
    expect(readdirSync(path.join(studies, study!))).toHaveLength(files.length);
    const db = new Database(path.join(floor.dir, 'descriptor', 'catalogue.db'), { readonly: true });
    try {
      expect(db.prepare('SELECT COUNT(*) AS n FROM instances').get()).toEqual({ n: files.length });
    } finally {
      db.close();
    }
    expect(readdirSync(path.join(floor.dir, 'dimse', 'staging'))).toEqual([]);
  });
});
