/** The work one of our services did, from the counters on its /metrics (common/src/metrics). */
export interface ServiceWork {
  name: string;
  /** dsv_fsync_total{kind="file"}: fsync and fdatasync of files. */
  fsyncFile: number;
  /** dsv_fsync_total{kind="directory"}. */
  fsyncDirectory: number;
  /** dsv_db_commits_total. */
  dbCommits: number;
  /** dsv_internal_requests_total, every route: requests this service received from the other two. */
  internalRequests: number;
  /** dsv_log_lines_total, every level. */
  logLines: number;
}

export type WorkField = Exclude<keyof ServiceWork, 'name'>;

export const WORK_FIELDS: readonly WorkField[] = ['fsyncFile', 'fsyncDirectory', 'dbCommits', 'internalRequests', 'logLines'];

/** Where to scrape one service, and the secret its /metrics is behind (none: an open gateway). */
export interface WorkSource {
  name: string;
  url: string;
  token: string | undefined;
}

/** The sum of every series of `name` (over its labels) whose labels include `labels`, in Prometheus text. */
function sumSeries(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match?.[1] !== name) continue;
    const pairs = (match[2] ?? '').split(',');
    if (wanted.every((pair) => pairs.includes(pair))) sum += Number(match[3]);
  }
  return sum;
}

/** A service's work counters, read from its /metrics text. */
export function parseWork(name: string, text: string): ServiceWork {
  return {
    name,
    fsyncFile: sumSeries(text, 'dsv_fsync_total', { kind: 'file' }),
    fsyncDirectory: sumSeries(text, 'dsv_fsync_total', { kind: 'directory' }),
    dbCommits: sumSeries(text, 'dsv_db_commits_total'),
    internalRequests: sumSeries(text, 'dsv_internal_requests_total'),
    logLines: sumSeries(text, 'dsv_log_lines_total'),
  };
}

/** One scrape of each service, in order. */
export async function scrapeWork(sources: readonly WorkSource[]): Promise<ServiceWork[]> {
  return Promise.all(
    sources.map(async ({ name, url, token }) => {
      const res = await fetch(`${url}/metrics`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
      if (!res.ok) throw new Error(`${name} GET /metrics answered ${res.status}`);
      return parseWork(name, await res.text());
    }),
  );
}

/** What each service did between two scrapes. */
export function workBetween(before: readonly ServiceWork[], after: readonly ServiceWork[]): ServiceWork[] {
  return after.map((end, i) => {
    const start = before[i]!;
    const work: ServiceWork = { ...end };
    for (const field of WORK_FIELDS) work[field] = end[field] - start[field];
    return work;
  });
}
