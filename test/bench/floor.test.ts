import { statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baselineSender, runLoad } from '../../bench/client.ts';
import { startFloor, type RunningFloor } from '../../bench/floor.ts';
import type { WorkloadFile } from '../../bench/workloads.ts';
import { minimalDataset, part10 } from '../support/dicom-bytes.ts';
import { floorHoldings } from '../support/floor-holdings.ts';
import { generatorAvailable, generatorSkipReason, makeStudy } from '../support/make-study.ts';

const canGenerate = await generatorAvailable();
if (!canGenerate) console.warn(`[bench floor] ${generatorSkipReason}`);

/**
 * The bench's floor (bench/floor-server.ts) is compared with ours and Orthanc: it must store what it is
 * sent, as its three processes claim to, or its rate would be a floor of nothing.
 */
describe.skipIf(!canGenerate)('the bench floor: three bare processes over HTTP', () => {
  let dir: string;
  let floor: RunningFloor;
  let files: WorkloadFile[];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-floor-test-'));
    const paths = await makeStudy('ct', path.join(dir, 'ct'), ['--slices', '6', '--rows', '32', '--cols', '32', '--seed', '61']);
    files = paths.map((file) => ({ path: file, name: path.basename(file), bytes: statSync(file).size }));
    floor = await startFloor();
  }, 60_000);
  afterAll(async () => {
    await floor?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('when a study is sent one file per request at c=4 and in one request, then every instance is linked into its study folder and recorded once, and nothing stays staged', async () => {
    const send = baselineSender(floor.url);
    const load = await runLoad(
      files.map((file) => [file]),
      4,
      send,
    );
    expect(load.requests.map((request) => request.ok)).toEqual(files.map(() => true));
    expect(await send(files)).toEqual({ ok: true });

    // One study folder of every file, each recorded once (the second sending is answered as stored again).
    expect(floorHoldings(floor)).toEqual({ folders: [files.length], instances: files.length, studies: 1, staged: [] });
  });

  it('when a file is not DICOM, then the floor refuses it (422) and stores nothing of it', async () => {
    const junk = path.join(dir, 'junk.dcm');
    await writeFile(junk, 'not a DICOM file at all');
    const result = await baselineSender(floor.url)([{ path: junk, name: 'junk.dcm', bytes: 23 }]);
    expect(result).toEqual({ ok: false, error: 'HTTP 422' });
  });
});

/**
 * `npm run bench -- --floor-checks`: the floor's validator runs our validator's checks on each file; with
 * `--floor-checks-in-gateway`, its gateway runs them itself. A file that parses and names its UIDs, but
 * lacks what its IOD requires, passes the header-only floor and is refused by these; a valid study is
 * stored as before.
 */
describe.skipIf(!canGenerate)("the bench floor with our validator's checks", () => {
  let dir: string;
  let files: WorkloadFile[];
  let incomplete: WorkloadFile;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-floor-checks-test-'));
    const paths = await makeStudy('ct', path.join(dir, 'ct'), ['--slices', '3', '--rows', '32', '--cols', '32', '--seed', '62']);
    files = paths.map((file) => ({ path: file, name: path.basename(file), bytes: statSync(file).size }));
    // A Secondary Capture with its UIDs and nothing else its IOD requires (no patient, no pixels).
    const bytes = part10(minimalDataset([], '1.2.826.0.1.3680043.10.1.62'), { sopInstanceUid: '1.2.826.0.1.3680043.10.1.62' });
    incomplete = { path: path.join(dir, 'incomplete.dcm'), name: 'incomplete.dcm', bytes: bytes.length };
    await writeFile(incomplete.path, bytes);
  }, 60_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** The valid study is stored, the incomplete file refused. */
  async function expectChecked(checking: RunningFloor): Promise<void> {
    const send = baselineSender(checking.url);
    for (const file of files) expect(await send([file])).toEqual({ ok: true });
    expect(await send([incomplete])).toEqual({ ok: false, error: 'HTTP 422' });
    expect(floorHoldings(checking)).toMatchObject({ folders: [files.length], instances: files.length, studies: 1 });
  }

  it('when a valid study and a file without its required attributes are sent, then the study is stored and the file refused (422); the floor without checks stores both', async () => {
    const checking = await startFloor({ checks: 'validator' });
    try {
      await expectChecked(checking);
    } finally {
      await checking.stop();
    }
    const parsing = await startFloor();
    try {
      expect(await baselineSender(parsing.url)([incomplete])).toEqual({ ok: true });
    } finally {
      await parsing.stop();
    }
  });

  it('when the checks run in the gateway, then the same file is refused and the study stored with the validator process gone: no call reaches it', async () => {
    const checking = await startFloor({ checks: 'gateway' });
    try {
      process.kill(checking.processes.find((p) => p.name === 'validator')!.pid, 'SIGKILL');
      await expectChecked(checking);
    } finally {
      await checking.stop();
    }
  });
});
