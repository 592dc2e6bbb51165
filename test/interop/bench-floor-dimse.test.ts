import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFloor, type RunningFloor } from '../../bench/floor.ts';
import { dcmtkAvailable, dcmtkSkipReason, freePort, runDcmtk } from '../support/dimse-tools.ts';
import { floorHoldings } from '../support/floor-holdings.ts';
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
    expect(floorHoldings(floor)).toEqual({ folders: [files.length], instances: files.length, studies: 1, staged: [] });
  });
});
