import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '@dsv/common';
import { describe, expect, it } from 'vitest';
import { startValidator } from '../src/server.ts';
import { projectRoot } from '../../test/support/corpus.ts';
import { startService } from '../../test/support/services.ts';
import { projectConfig } from './support/inspect.ts';

describe('startValidator', () => {
  it('when started on port 0, then it answers /health on the URL it gives, and close() stops it', async () => {
    const running = await startValidator({ ...projectConfig(), port: 0 }, { logger: createLogger('validator', 'silent') });
    expect(running.url).toBe(`http://127.0.0.1:${running.port}`);
    const health = await fetch(`${running.url}/health`);
    expect(await health.json()).toMatchObject({ status: 'ok', service: 'validator' });
    await running.close();
    await expect(fetch(`${running.url}/health`)).rejects.toThrow();
  });
});

describe('validator/src/main.ts', () => {
  it('when started, then it logs "listening" with its URL, and SIGTERM ends it with exit code 0', async () => {
    const service = await startService('validator', { VALIDATOR_PORT: '0', LOG_LEVEL: 'info' });
    expect((await fetch(`${service.url}/health`)).status).toBe(200);
    expect(await service.stop('SIGTERM')).toBe(0);
  });

  it('when the config is invalid, then it prints the reason to stderr and exits 1', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'validator-bad-config-'));
    try {
      writeFileSync(path.join(dir, 'validator.json'), JSON.stringify({ host: '127.0.0.1' }));
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'validator/src/main.ts')], {
        cwd: projectRoot,
        env: { ...process.env, CONFIG_DIR: dir },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).toBe(1);
      expect(stderr).toMatch(/^validator: invalid configuration/);
      expect(stderr).toMatch(/limits/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
