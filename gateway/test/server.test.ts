import { appendFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createLogger, newStudyId } from '@dsv/common';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JOURNAL_FILE, readStatusJournal } from '../src/domain/status-journal.ts';
import { startGateway } from '../src/server.ts';
import { buildGateway, type TestGateway } from './build-gateway.ts';

const dicomish = Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), Buffer.alloc(64)]);
const silent = createLogger('gateway', 'silent');

describe('startGateway', () => {
  // Only its config and folders are used: the siblings are down, retries long.
  let base: TestGateway;
  beforeEach(async () => {
    base = await buildGateway({ retry: { attempts: 20, baseDelayMs: 50, maxDelayMs: 100 } });
  });
  afterEach(() => base.cleanup());

  async function postUpload(url: string, bytes: Buffer = dicomish): Promise<string> {
    const form = new FormData();
    form.append('files', new Blob([bytes]), 'a.dcm');
    const response = await fetch(`${url}/upload`, { method: 'POST', body: form });
    expect(response.status).toBe(202);
    return ((await response.json()) as { id: string }).id;
  }

  it('when a study is still retrying at close(), then close() ends after the shutdown timeout, and the next start resumes the study', async () => {
    const first = await startGateway(base.config, { logger: silent, shutdownTimeoutMs: 200 });
    const id = await postUpload(first.url);
    const started = Date.now();
    expect(await first.close()).toEqual({ unfinished: 1 });
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(150);
    expect(took).toBeLessThan(1500);
    await expect(fetch(`${first.url}/health`)).rejects.toThrow();
    const persisted = readStatusJournal(base.config.statusDir).get(id)!;
    expect(['received', 'validating']).toContain(persisted.state);

    const second = await startGateway(base.config, { logger: silent, shutdownTimeoutMs: 5000 });
    try {
      const final = await second.pipeline.submit(id);
      expect(final.state).toBe('failed');
      expect(final.events.map((e) => e.type)).toEqual(['study.uploaded', 'study.resumed', 'study.failed']);
    } finally {
      await second.close();
    }
  });

  it('when it starts, then it removes staging folders nothing will use again, drops an append a crash cut short, and keeps the staged files of failed studies', async () => {
    const running = await startGateway(base.config, { logger: silent, shutdownTimeoutMs: 5000 });
    const failed = await postUpload(running.url);
    await running.pipeline.submit(failed);
    const stored = await postUpload(running.url, Buffer.concat([dicomish, Buffer.from('other')])).then(async (id) => {
      await running.pipeline.submit(id);
      return id;
    });
    await running.close();
    // A crash between the final state and the removal of the staged files, an upload cut short, an
    // append to the journal cut short, a rewrite of the journal interrupted:
    const journal = path.join(base.config.statusDir, JOURNAL_FILE);
    const status = readStatusJournal(base.config.statusDir).get(stored)!;
    await appendFile(journal, `${JSON.stringify({ ...status, state: 'stored' })}\n{"id":"${failed}","ha`);
    await mkdir(path.join(base.config.stagingDir, stored), { recursive: true });
    const orphan = newStudyId();
    await mkdir(path.join(base.config.stagingDir, orphan, 'x'), { recursive: true });
    await writeFile(`${journal}.123.tmp`, '{"half":');

    const again = await startGateway(base.config, { logger: silent, shutdownTimeoutMs: 5000 });
    try {
      expect((await readdir(base.config.stagingDir)).sort()).toEqual(['.spare', failed]);
      expect(await readdir(base.config.statusDir)).toEqual([JOURNAL_FILE]);
      const statuses = readStatusJournal(base.config.statusDir);
      expect([...statuses.keys()].sort()).toEqual([failed, stored].sort());
      expect(statuses.get(stored)!.state).toBe('stored');
      expect(statuses.get(failed)!.state).toBe('failed');
      expect(await readFile(journal, 'utf8')).toMatch(/\}\n$/);
    } finally {
      await again.close();
    }
  });
});
