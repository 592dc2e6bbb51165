/**
 * Preloaded into each service by `npm run bench -- --profile DIR` (NODE_OPTIONS=--import …; --cpu-prof
 * is not allowed in NODE_OPTIONS): samples the CPU from start-up and writes
 * `$PROFILE_DIR/<service>-$PROFILE_LABEL-<pid>.cpuprofile` when the process exits. Plain JavaScript, as it
 * is loaded before tsx.
 */
import { writeFileSync } from 'node:fs';
import inspector from 'node:inspector';
import path from 'node:path';

const dir = process.env.PROFILE_DIR;
if (dir) {
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  session.post('Profiler.start');
  // The service's entry point is <service>/src/main.ts.
  const service = path.basename(path.dirname(path.dirname(process.argv[1] ?? 'unknown/src/x')));
  process.on('exit', () => {
    // The in-process session answers synchronously, so the file is written before the process ends.
    session.post('Profiler.stop', (error, result) => {
      if (error) return;
      const name = `${service}-${process.env.PROFILE_LABEL ?? 'run'}-${process.pid}.cpuprofile`;
      writeFileSync(path.join(dir, name), JSON.stringify(result.profile));
    });
  });
}
