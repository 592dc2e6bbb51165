import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '@dsv/common';
import type { DescriptorConfig } from '../src/config.ts';
import { startDescriptor } from '../src/server.ts';
import { listTree, testDescriptorConfig } from './support/descriptor-app.ts';

describe('startDescriptor', () => {
  let dir: string;
  let config: DescriptorConfig;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-descriptor-server-'));
    config = testDescriptorConfig(
      dir,
      { maxFiles: 10, maxFileBytes: 1 << 20, maxHeaderBytes: 1 << 20, maxInflatedBytes: 1 << 20, maxRequestFieldBytes: 1 << 20 },
      { fhir: { forwardUrl: '', authHeader: '', timeoutMs: 1000, retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 } } },
    );
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('when a crash left half-assembled studies in .incoming, then start-up removes them and keeps the stored studies', async () => {
    const leftover = path.join(config.studiesDir, '.incoming', '01JTESTSTUDY0000000000000A.abc123', 'files');
    await mkdir(leftover, { recursive: true });
    await writeFile(path.join(leftover, '0001.dcm'), 'partial');
    await mkdir(path.join(config.rejectedDir, '.incoming', 'x'), { recursive: true });
    await mkdir(path.join(config.studiesDir, '01JTESTSTUDY0000000000000B'), { recursive: true });

    const running = await startDescriptor(config, { logger: createLogger('descriptor', 'silent') });
    try {
      expect(await listTree(config.studiesDir)).toEqual(['01JTESTSTUDY0000000000000B']);
      expect(await listTree(config.rejectedDir)).toEqual([]);
    } finally {
      await running.close();
    }
  });

  it('when started on port 0, then it answers /health on the port it got, and close() stops it', async () => {
    const running = await startDescriptor(config, { logger: createLogger('descriptor', 'silent') });
    const response = await fetch(`${running.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', service: 'descriptor' });
    await running.close();
    await expect(fetch(`${running.url}/health`)).rejects.toThrow();
  });
});
