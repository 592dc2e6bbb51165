import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopChild } from './processes.ts';

export interface RunningBaseline {
  url: string;
  pid: number;
  /** Where the request bodies are written, one file each. */
  bodiesDir: string;
  stop(): Promise<void>;
}

const SERVER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'baseline-server.ts');

/** Starts `baseline-server.ts` as its own process (node + tsx, like the services) on a free port. */
export async function startBaseline(): Promise<RunningBaseline> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-bench-baseline-'));
  const bodiesDir = path.join(dir, 'bodies');
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER], {
    env: { ...process.env, BASELINE_DIR: bodiesDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stop = async (): Promise<void> => {
    await stopChild(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`the baseline server did not start:\n${out}`)), 20_000);
      const onData = (chunk: string): void => {
        out += chunk;
        const match = /"url":"([^"]+)"/.exec(out);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      };
      child.stdout.setEncoding('utf8').on('data', onData);
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the baseline server exited with ${code}:\n${out}`));
      });
    });
    return { url, pid: child.pid!, bodiesDir, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
