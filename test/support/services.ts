import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { bundlePath, serviceArgs, serviceEnv } from '../../scripts/build-services.ts';
import { projectRoot } from './corpus.ts';

export interface ServiceProcess {
  name: string;
  url: string;
  child: ChildProcess;
  /** Every line the process wrote, stdout and stderr. */
  output: string[];
  /** SIGTERM, then wait for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts one real service as its own process on a free port on 127.0.0.1, and resolves with its URL once
 * it logs 'listening'. It runs the bundle `npm start` runs, `node dist/<service>.mjs`, which the vitest
 * global setup (test/support/build-services.global.ts) and the bench build first.
 */
export function startService(
  name: 'gateway' | 'validator' | 'descriptor',
  env: NodeJS.ProcessEnv,
  { root = projectRoot }: StackOptions = {},
): Promise<ServiceProcess> {
  if (!existsSync(bundlePath(name, root))) {
    return Promise.reject(new Error(`${bundlePath(name, root)} is missing: run \`npm run build\` in ${root} first`));
  }
  const child = spawn(process.execPath, serviceArgs(name, root), {
    cwd: root,
    env: serviceEnv({ ...process.env, CONFIG_DIR: path.join(root, 'config'), ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      // A service that never said it listens (e.g. a log level above info) is not left running.
      child.kill('SIGKILL');
      reject(new Error(`${name} did not log 'listening' in time (it needs LOG_LEVEL info or lower):\n${output.join('\n')}`));
    }, 20_000);
    const onLine = (line: string): void => {
      output.push(line);
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'listening' && entry.url) {
          clearTimeout(timer);
          resolve({
            name,
            url: entry.url,
            child,
            output,
            stop: async (signal = 'SIGTERM') => {
              if (child.exitCode === null && child.signalCode === null) child.kill(signal);
              return exited;
            },
          });
        }
      } catch {
        // not a JSON log line
      }
    };
    for (const stream of [child.stdout!, child.stderr!]) {
      let pending = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        lines.filter(Boolean).forEach(onLine);
      });
      // A last line without its newline (a crash's message) still counts.
      stream.on('end', () => {
        if (pending) onLine(pending);
        pending = '';
      });
    }
    // 'close', not 'exit': it comes once stdout and stderr have ended, so the output holds all the
    // process wrote (its error above all); 'exit' can come before the last of it is read.
    child.once('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before listening:\n${output.join('\n')}`));
    });
  });
}

export interface StackOptions {
  /**
   * The checkout whose bundles (dist/) and config/ the services run from: this one, or another (the
   * bench's --against measures an earlier commit in turns beside this one).
   */
  root?: string;
}

export interface Stack {
  gateway: ServiceProcess;
  validator: ServiceProcess;
  descriptor: ServiceProcess;
  /** Temporary folder holding studies/, rejected/ and var/ for this stack. */
  dir: string;
  studiesDir: string;
  rejectedDir: string;
  env: { gateway: NodeJS.ProcessEnv; validator: NodeJS.ProcessEnv; descriptor: NodeJS.ProcessEnv };
  restart(name: 'gateway' | 'validator' | 'descriptor'): Promise<ServiceProcess>;
  stop(): Promise<void>;
}

/** The three real services, each its own process, talking over HTTP on loopback. */
export async function startStack(extraEnv: NodeJS.ProcessEnv = {}, options: StackOptions = {}): Promise<Stack> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-stack-'));
  const studiesDir = path.join(dir, 'studies');
  const rejectedDir = path.join(dir, 'rejected');
  // One staging folder for all three, as on one host: the gateway sends files by reference.
  const base = {
    LOG_LEVEL: 'info',
    DIMSE_PORT: '0',
    INTERNAL_TOKEN: randomBytes(24).toString('hex'),
    STAGING_DIR: path.join(dir, 'var', 'staging'),
    DATA_DIR: path.join(dir, 'var'),
    ...extraEnv,
  };
  const env = {
    validator: { ...base, VALIDATOR_PORT: '0', VALIDATOR_HOST: '127.0.0.1' },
    descriptor: { ...base, DESCRIPTOR_PORT: '0', DESCRIPTOR_HOST: '127.0.0.1', STUDIES_DIR: studiesDir, REJECTED_DIR: rejectedDir },
    gateway: {} as NodeJS.ProcessEnv,
  };
  const started: ServiceProcess[] = [];
  const track = (service: Promise<ServiceProcess>) => service.then((running) => (started.push(running), running));
  const abandon = async (error: unknown): Promise<never> => {
    // Whatever did start is stopped, so a failed start never leaves processes behind.
    await Promise.all(started.map((service) => service.stop('SIGKILL')));
    await rm(dir, { recursive: true, force: true });
    throw error;
  };
  const [validator, descriptor] = await Promise.all([
    track(startService('validator', env.validator, options)),
    track(startService('descriptor', env.descriptor, options)),
  ]).catch(abandon);
  env.gateway = {
    ...base,
    GATEWAY_PORT: '0',
    GATEWAY_HOST: '127.0.0.1',
    VALIDATOR_URL: validator.url,
    DESCRIPTOR_URL: descriptor.url,
    DATA_DIR: path.join(dir, 'var'),
  };
  const gateway = await startService('gateway', env.gateway, options).catch(abandon);
  const stack: Stack = {
    gateway,
    validator,
    descriptor,
    dir,
    studiesDir,
    rejectedDir,
    env,
    async restart(name) {
      await stack[name].stop();
      // Same port again, so the others still find it.
      const port = new URL(stack[name].url).port;
      const portKey = `${name.toUpperCase()}_PORT`;
      stack[name] = await startService(name, { ...env[name], [portKey]: port }, options);
      return stack[name];
    },
    async stop() {
      await Promise.all([stack.gateway.stop(), stack.validator.stop(), stack.descriptor.stop()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
  return stack;
}
