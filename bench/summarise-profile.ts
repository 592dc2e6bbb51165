/**
 * `npx tsx bench/summarise-profile.ts FILE.cpuprofile [TOP]`: where a V8 CPU profile spent its time,
 * as self time per function and per package or project file (profiles from `--cpu-prof`, or from the
 * inspector as `npm run bench -- --profile DIR` writes them).
 */
import { readFileSync } from 'node:fs';
import { formatTable } from './report.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** Self time in ms per node id: each sample's delta is charged to the node sampled. */
function selfTimes(profile: CpuProfile): Map<number, number> {
  const times = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  samples.forEach((id, i) => times.set(id, (times.get(id) ?? 0) + (deltas[i + 1] ?? 0) / 1000));
  return times;
}

/** `node_modules/busboy`, `gateway/src/upload/receive-upload.ts`, `node:internal/…`, or a V8 pseudo-frame. */
function whereFrom(url: string, functionName: string): string {
  if (!url) return `(${functionName || 'anonymous'})`;
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules?.[1]) return `node_modules/${modules[1]}`;
  if (url.startsWith('node:')) return url;
  const project = /\/((?:common|gateway|validator|descriptor|test|bench)\/.*)$/.exec(url);
  return project?.[1] ?? url;
}

/**
 * Total time (self + callees) of the project's own functions, each counted once per stack even when
 * recursive. Only synchronous stacks: time a function waits on a promise is not in it.
 */
function projectTotals(profile: CpuProfile, self: Map<number, number>): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const childIds = new Set(profile.nodes.flatMap((n) => n.children ?? []));
  const totals = new Map<string, number>();
  const subtree = new Map<number, number>();
  const sizeOf = (id: number): number => {
    const known = subtree.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id)!;
    const size = (self.get(id) ?? 0) + (node.children ?? []).reduce((sum, c) => sum + sizeOf(c), 0);
    subtree.set(id, size);
    return size;
  };
  const walk = (id: number, open: Set<string>): void => {
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    const place = whereFrom(url, functionName);
    const project = url && !place.startsWith('node') && !place.startsWith('(');
    const key = `${functionName || '(anonymous)'} ${place}:${lineNumber + 1}`;
    const counted = project && !open.has(key);
    if (counted) {
      totals.set(key, (totals.get(key) ?? 0) + sizeOf(id));
      open.add(key);
    }
    for (const child of node.children ?? []) walk(child, open);
    if (counted) open.delete(key);
  };
  for (const node of profile.nodes) if (!childIds.has(node.id)) walk(node.id, new Set());
  return totals;
}

export function summariseProfile(profile: CpuProfile, top: number): string {
  const self = selfTimes(profile);
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const byFunction = new Map<string, number>();
  const byPlace = new Map<string, number>();
  for (const node of profile.nodes) {
    const ms = self.get(node.id) ?? 0;
    if (!ms) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const place = whereFrom(url, functionName);
    const fn = `${functionName || '(anonymous)'} ${url ? `${place}:${lineNumber + 1}` : ''}`.trim();
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
    byPlace.set(place, (byPlace.get(place) ?? 0) + ms);
  }
  const rows = (map: Map<string, number>): string[][] =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => [name, '', ms.toFixed(0), `${((100 * ms) / totalMs).toFixed(1)}%`]);
  return [
    `profile of ${totalMs.toFixed(0)} ms (idle included as "(idle)")`,
    formatTable(['self time by package or file', '', 'ms', 'share'], rows(byPlace)),
    '',
    formatTable(['self time by function', '', 'ms', 'share'], rows(byFunction)),
    '',
    formatTable(['total time of project functions (self + callees)', '', 'ms', 'share'], rows(projectTotals(profile, self))),
  ].join('\n');
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').at(-1)!)) {
  const [file, top = '25'] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: npx tsx bench/summarise-profile.ts FILE.cpuprofile [TOP]\n');
    process.exit(2);
  }
  process.stdout.write(`${summariseProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, Number(top))}\n`);
}
