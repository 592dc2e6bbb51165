import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../bench/measure.ts';
import { pairedRatio } from '../../bench/report.ts';

const runs = (...rates: number[]) => ({ runs: rates.map((instancesPerSecond) => ({ instancesPerSecond }) as RunResult) });

describe('pairedRatio (the bench summary: ours / Orthanc)', () => {
  it('when the machine changes speed between turns, then each run is compared with the one taken in its turn, not medians with medians', () => {
    // Two turns say 0.5x, one 0.75x: 0.5x. The ratio of the medians (150 / 200) would say 0.75x.
    expect(pairedRatio(runs(100, 300, 150), runs(200, 600, 200))).toBe(0.5);
  });

  it('when a run is missing on one side or Orthanc stored nothing, then that turn does not count, and none left gives null', () => {
    expect(pairedRatio(runs(100, 300), runs(200))).toBe(0.5);
    expect(pairedRatio(runs(100), runs(0))).toBeNull();
    expect(pairedRatio(runs(), runs(100))).toBeNull();
  });
});
