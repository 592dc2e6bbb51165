import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../bench/measure.ts';
import { formatWorkSummary, type SummaryLine } from '../../bench/report.ts';
import { parseWork, workBetween } from '../../bench/work-counts.ts';
import type { Workload } from '../../bench/workloads.ts';

/** /metrics text as prom-client writes it, with the labels in its order. */
const scrape = (file: number, directory: number, commits: number, requests: [number, number], info: number) =>
  [
    '# HELP dsv_fsync_total fsync(2) and fdatasync(2) calls made by the process',
    '# TYPE dsv_fsync_total counter',
    `dsv_fsync_total{kind="file",service="descriptor"} ${file}`,
    `dsv_fsync_total{kind="directory",service="descriptor"} ${directory}`,
    `dsv_db_commits_total{service="descriptor"} ${commits}`,
    `dsv_internal_requests_total{route="/v1/deliveries",service="descriptor"} ${requests[0]}`,
    `dsv_internal_requests_total{route="/v1/studies/:uid/stable",service="descriptor"} ${requests[1]}`,
    `dsv_log_lines_total{level="info",service="descriptor"} ${info}`,
    'dsv_log_lines_total{level="warn",service="descriptor"} 1',
    'dsv_http_request_duration_seconds_count{method="GET",route="/metrics",status="200",service="descriptor"} 7',
  ].join('\n');

describe("the bench's work counts", () => {
  it('when /metrics is read, then each count sums its series over routes and levels, and other metrics are left out', () => {
    expect(parseWork('descriptor', scrape(10, 20, 3, [4, 5], 6))).toEqual({
      name: 'descriptor',
      fsyncFile: 10,
      fsyncDirectory: 20,
      dbCommits: 3,
      internalRequests: 9,
      logLines: 7,
    });
  });

  it('when read before and after a run, then the run did the difference', () => {
    const before = [parseWork('descriptor', scrape(10, 20, 3, [4, 5], 6))];
    const after = [parseWork('descriptor', scrape(210, 420, 103, [204, 5], 406))];
    expect(workBetween(before, after)).toEqual([
      { name: 'descriptor', fsyncFile: 200, fsyncDirectory: 400, dbCommits: 100, internalRequests: 200, logLines: 400 },
    ]);
  });

  it('when summarised, then each count is per stored instance, gateway+validator+descriptor = total', () => {
    const work = (name: string, fsyncFile: number) => ({
      name,
      fsyncFile,
      fsyncDirectory: 0,
      dbCommits: 100,
      internalRequests: 0,
      logLines: 200,
    });
    const ours = {
      instances: 200,
      processes: [
        { name: 'gateway', cpuMs: 400 },
        { name: 'validator', cpuMs: 200 },
        { name: 'descriptor', cpuMs: 600 },
      ],
      work: [work('gateway', 200), work('validator', 0), work('descriptor', 400)],
    } as RunResult;
    const line = { workload: { kind: 'small' } as Workload, modeLabel: 'c=8', ours } as SummaryLine;
    const row = formatWorkSummary([line]).split('\n')[2]!;
    expect(row).toContain('1.00+0+2.00 = 3.00');
    expect(row).toContain('0.50+0.50+0.50 = 1.50');
    expect(row).toContain('2.00+1.00+3.00 = 6.00');
  });
});
