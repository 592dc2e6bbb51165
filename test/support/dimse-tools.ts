import { execFile, spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from './corpus.ts';
import { createServer } from 'node:net';
import type { ServiceProcess } from './services.ts';

/** dcmtk's tools, with TCP_NODELAY=1 (without it each exchange waits ~40 ms for Nagle). */
export const dcmtkAvailable = !spawnSync('storescu', ['--version'], { encoding: 'utf8' }).error;
export const dcmtkSkipReason = 'dcmtk is not installed (apt-get install dcmtk): DIMSE interop skipped';

export interface ToolRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runDcmtk(tool: 'storescu' | 'echoscu' | 'storescp', args: string[], timeoutMs = 60_000): Promise<ToolRun> {
  return new Promise((resolve) => {
    execFile(
      tool,
      args,
      { env: { ...process.env, TCP_NODELAY: '1' }, timeout: timeoutMs, maxBuffer: 32 << 20 },
      (error, stdout, stderr) => {
        const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A TCP port free on 127.0.0.1 now (the kernel's pick, released at once). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The association ids the gateway logged as ended (released or aborted), in order. */
export function endedAssociations(gateway: ServiceProcess): string[] {
  return loggedLines(gateway, 'dimse: association ended').map((line) => line.associationId as string);
}

export function loggedLines(gateway: ServiceProcess, msg: string): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  for (const raw of gateway.output) {
    try {
      const entry = JSON.parse(raw) as Record<string, unknown>;
      if (entry.msg === msg) lines.push(entry);
    } catch {
      // not JSON
    }
  }
  return lines;
}

/** `npm run send -- …args` as its own process (tsx, as npm runs it): its exit code and everything it printed. */
export function sendCli(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'scripts/send.ts'), ...args], {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}
