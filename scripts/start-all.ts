/**
 * `npm start`: bundles the services (scripts/build-services.ts), then runs the three as separate plain
 * `node dist/<service>.mjs` processes, as they would run on separate hosts.
 * Ctrl-C (or SIGTERM) stops all three cleanly; if one dies, the others are stopped too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { buildServices, serviceArgs, serviceEnv, type ServiceName } from './build-services.ts';

const services: readonly ServiceName[] = ['validator', 'descriptor', 'gateway'];
const children = new Map<string, ChildProcess>();
// The three share one internal token; without one set, each `npm start` makes a fresh one.
const env = { ...serviceEnv(process.env), INTERNAL_TOKEN: process.env.INTERNAL_TOKEN || randomBytes(32).toString('base64url') };
let stopping = false;

function start(name: ServiceName): ChildProcess {
  const child = spawn(process.execPath, serviceArgs(name), {
    cwd: process.cwd(),
    env,
    stdio: 'inherit',
  });
  child.on('exit', (code, signal) => {
    children.delete(name);
    if (!stopping) {
      process.stderr.write(`start-all: ${name} exited (${signal ?? code}); stopping the others\n`);
      stop(code && code !== 0 ? code : 1);
    } else if (children.size === 0) {
      process.exit(process.exitCode ?? 0);
    }
  });
  return child;
}

function stop(exitCode = 0): void {
  if (stopping) return;
  stopping = true;
  process.exitCode = exitCode;
  if (children.size === 0) process.exit(exitCode);
  for (const child of children.values()) child.kill('SIGTERM');
}

process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
try {
  await buildServices();
} catch (error) {
  // esbuild has printed its own errors.
  if (!(error instanceof Error && 'errors' in error)) process.stderr.write(`${String(error)}\n`);
  process.stderr.write('start-all: the services did not build; nothing started\n');
  process.exit(1);
}
for (const name of services) children.set(name, start(name));
