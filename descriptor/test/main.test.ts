import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { projectRoot } from '../../test/support/corpus.ts';
import { startService } from '../../test/support/services.ts';

const MAIN = path.join(projectRoot, 'descriptor', 'src', 'main.ts');

describe('descriptor main', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-descriptor-main-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('when the configuration is invalid, then it says why on stderr and exits 1', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      cwd: projectRoot,
      env: { ...process.env, CONFIG_DIR: path.join(projectRoot, 'config'), DESCRIPTOR_PORT: 'not-a-port' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(/^descriptor: .*DESCRIPTOR_PORT/);
  });

  it('when it runs and gets SIGTERM, then it closes and exits 0', async () => {
    const service = await startService('descriptor', {
      DESCRIPTOR_PORT: '0',
      STUDIES_DIR: path.join(dir, 'studies'),
      REJECTED_DIR: path.join(dir, 'rejected'),
      LOG_LEVEL: 'info',
    });
    expect((await fetch(`${service.url}/health`)).status).toBe(200);
    expect(await service.stop('SIGTERM')).toBe(0);
  });
});
