/**
 * Preloaded into each service by `npm run bench -- --profile DIR` (NODE_OPTIONS=--import …; --cpu-prof
 * is not allowed in NODE_OPTIONS): samples the CPU from start-up and writes
 * `$PROFILE_DIR/<service>-$PROFILE_LABEL-<pid>.cpuprofile` when the process exits. Plain JavaScript, as it
 * is loaded before the service.
 *
 * The services run as bundles (dist/<service>.mjs, scripts/build-services.ts): every frame of the bundle
 * is mapped back through dist/<service>.mjs.map to its own file, line and column before the profile is
 * written, so the profile (and bench/summarise-profile.ts) names `gateway/src/…`, `common/src/…` and
 * `node_modules/<package>/…` as if each were loaded on its own.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import inspector from 'node:inspector';
import { SourceMap } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const dir = process.env.PROFILE_DIR;
if (dir) {
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  session.post('Profiler.start');
  const entry = path.resolve(process.argv[1] ?? 'unknown/src/x');
  // dist/<service>.mjs, or <service>/src/main.ts when a service runs from its sources.
  const service = entry.endsWith('.mjs') ? path.basename(entry, '.mjs') : path.basename(path.dirname(path.dirname(entry)));
  process.on('exit', () => {
    // The in-process session answers synchronously, so the file is written before the process ends.
    session.post('Profiler.stop', (error, result) => {
      if (error) return;
      const name = `${service}-${process.env.PROFILE_LABEL ?? 'run'}-${process.pid}.cpuprofile`;
      writeFileSync(path.join(dir, name), JSON.stringify(mapToSources(result.profile, entry)));
    });
  });
}

/** Each call frame of the bundle `entry` is given its original url, line and column, when it has a map. */
function mapToSources(profile, entry) {
  const mapFile = `${entry}.map`;
  if (!existsSync(mapFile)) return profile;
  let map;
  try {
    map = new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8')));
  } catch {
    return profile;
  }
  const bundleUrl = pathToFileURL(entry).href;
  const sourceUrls = new Map();
  const urlOf = (source) => {
    let url = sourceUrls.get(source);
    if (!url) sourceUrls.set(source, (url = pathToFileURL(path.resolve(path.dirname(mapFile), source)).href));
    return url;
  };
  for (const node of profile.nodes) {
    const frame = node.callFrame;
    if (frame.url !== bundleUrl || frame.lineNumber < 0) continue;
    const found = map.findEntry(frame.lineNumber, frame.columnNumber);
    if (!found?.originalSource) continue;
    const url = urlOf(found.originalSource);
    // Line ticks (1-based lines of the bundle) are kept where they fall in the same original file.
    if (node.positionTicks) {
      node.positionTicks = node.positionTicks.flatMap(({ line, ticks }) => {
        const at = map.findEntry(line - 1, Number.MAX_SAFE_INTEGER);
        return at?.originalSource && urlOf(at.originalSource) === url ? [{ line: at.originalLine + 1, ticks }] : [];
      });
    }
    node.callFrame = { ...frame, url, lineNumber: found.originalLine, columnNumber: found.originalColumn };
  }
  return profile;
}
