import { spawn, type ChildProcess } from 'node:child_process';
import type { Server } from 'node:http';
import { stopChild } from './processes.ts';

/**
 * Starts one of the bench's own servers (`baseline-server.ts`, `floor-server.ts`) as its own process,
 * node + tsx like the services, and resolves with its url once it logs `{"msg":"listening","url":…}`.
 */
export async function spawnBenchServer(
  script: string,
  env: Record<string, string>,
  nodeFlags: readonly string[] = [],
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`${script} did not start:\n${out}`)), 20_000);
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        const match = /"url":"([^"]+)"/.exec(out);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
      // 'close', not 'exit', as test/support/services.ts: the output then holds all the process wrote.
      child.once('close', (code) => {
        clearTimeout(timer);
        reject(new Error(`${script} exited with ${code}:\n${out}`));
      });
    });
    return { child, url };
  } catch (error) {
    await stopChild(child);
    throw error;
  }
}

/**
 * The server side of spawnBenchServer: listens on a free port of 127.0.0.1, logs the line
 * spawnBenchServer waits for, and closes on SIGTERM or SIGINT.
 */
export function serveBenchServer(server: Server): void {
  server.requestTimeout = 0;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    process.stdout.write(`${JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${port}` })}\n`);
  });
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
  process.once('SIGINT', () => server.close(() => process.exit(0)));
}
