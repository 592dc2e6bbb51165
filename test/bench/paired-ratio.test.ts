import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../bench/measure.ts';
import { pairedCpuRatio, pairedRatio } from '../../bench/report.ts';

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

/** Runs of `instances` each, the processes' CPU ms given per run (null: unknown). */
const cpuRuns = (instances: number, ...cpu: Array<Array<number | null>>) => ({
  runs: cpu.map((processes) => ({ instances, processes: processes.map((cpuMs) => ({ cpuMs })) }) as RunResult),
});

describe('pairedCpuRatio (the bench against another checkout: ours / against, CPU per instance)', () => {
  it('when both stored the same number of instances in each turn, then each turn compares all processes together, and the median of the turns is given', () => {
    // Turns: (1+2+1)/(2+2+4) = 0.5, (3+3+2)/(2+2+4) = 1, (2+2+2)/(4+4+4) = 0.5.
    expect(pairedCpuRatio(cpuRuns(100, [1, 2, 1], [3, 3, 2], [2, 2, 2]), cpuRuns(100, [2, 2, 4], [2, 2, 4], [4, 4, 4]))).toBe(0.5);
  });

  it('when the two stored different numbers of instances, then CPU is compared per instance', () => {
    expect(pairedCpuRatio(cpuRuns(100, [300]), cpuRuns(200, [300]))).toBe(2);
  });

  it("when a process's CPU is unknown or nothing was stored, then that turn does not count, and none left gives null", () => {
    expect(pairedCpuRatio(cpuRuns(100, [null, 1], [1, 1]), cpuRuns(100, [1, 1], [4, 4]))).toBe(0.25);
    expect(pairedCpuRatio(cpuRuns(0, [1]), cpuRuns(100, [1]))).toBeNull();
    expect(pairedCpuRatio(cpuRuns(100, [1]), cpuRuns(100))).toBeNull();
  });
});
