import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLogger, firstStudyIdAt } from '@dsv/common';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Pruned } from '../../src/data/gateway-data.ts';
import { AssociationStatuses } from '../../src/dimse/association-statuses.ts';
import { RetentionSweeper, type RetentionDeps } from '../../src/domain/retention.ts';

const DAY_MS = 86_400_000;
const NOW = Date.parse('2026-12-07T12:00:00.000Z');

describe('RetentionSweeper', () => {
  let dir: string;
  let cutoffs: number[];

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-retention-'));
    cutoffs = [];
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** A sweeper whose database answers `batches` in turn (then nothing), recording the cutoffs asked. */
  function sweeper(batches: Pruned[], days = 30): RetentionSweeper {
    const deps: RetentionDeps = {
      data: {
        prune: async (cutoff) => {
          cutoffs.push(cutoff);
          return batches.shift() ?? { statuses: 0, events: 0, studies: 0 };
        },
      },
      associations: new AssociationStatuses(dir),
      policy: { days, sweepIntervalSeconds: 3600 },
      logger: createLogger('gateway', 'silent'),
      now: () => NOW,
    };
    return new RetentionSweeper(deps);
  }

  it('when associations ended before and after the cutoff, then only the files of those accepted before it go', async () => {
    const old = firstStudyIdAt(NOW - 31 * DAY_MS);
    const recent = firstStudyIdAt(NOW - 29 * DAY_MS);
    for (const name of [`${old}.json`, `${recent}.json`, 'notes.txt', `${old}.json.tmp`]) await writeFile(path.join(dir, name), '{}');

    expect(await sweeper([]).sweep()).toEqual({ statuses: 0, events: 0, studies: 0, associations: 1 });
    expect((await readdir(dir)).sort()).toEqual([`${old}.json.tmp`, `${recent}.json`, 'notes.txt'].sort());
    expect(cutoffs).toEqual([NOW - 30 * DAY_MS]);
  });

  it('when the database has a backlog, then it is asked again batch after batch until one comes back short', async () => {
    const swept = await sweeper([
      { statuses: 500, events: 3000, studies: 0 },
      { statuses: 120, events: 700, studies: 0 },
      { statuses: 0, events: 40, studies: 500 },
      { statuses: 0, events: 0, studies: 30 },
    ]).sweep();
    expect(swept).toEqual({ statuses: 620, events: 3740, studies: 530, associations: 0 });
    expect(cutoffs).toHaveLength(4);
  });

  it('when the associations folder does not exist yet, then the sweep removes nothing there and does not fail', async () => {
    const sweeping = sweeper([]);
    await rm(dir, { recursive: true });
    expect(await sweeping.sweep()).toEqual({ statuses: 0, events: 0, studies: 0, associations: 0 });
    expect(existsSync(dir)).toBe(false);
  });

  it('when retention.days is 0, then start() sweeps nothing, ever', async () => {
    const old = firstStudyIdAt(NOW - 400 * DAY_MS);
    await writeFile(path.join(dir, `${old}.json`), '{}');
    const keeping = sweeper([], 0);
    keeping.start();
    await keeping.stop();
    expect(cutoffs).toEqual([]);
    expect(await readdir(dir)).toEqual([`${old}.json`]);
  });
});
