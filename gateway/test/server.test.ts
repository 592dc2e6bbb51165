import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createLogger, newStudyId } from '@dsv/common';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DATABASE_FILE, openGatewayDb } from '../src/data/gateway-db.ts';
import { startGateway } from '../src/server.ts';
import { buildGateway, type TestGateway } from './build-gateway.ts';

const dicomish = Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), Buffer.alloc(64)]);
const silent = createLogger('gateway', 'silent');

describe('startGateway', () => {
  // Only its config and folders are used: the siblings are down, retries long.
  let base: TestGateway;
  beforeEach(async () => {
    base = await buildGateway({ retry: { attempts: 20, baseDelayMs: 50, maxDelayMs: 100 } });
    // The gateway started below opens the database itself.
    await base.data.close();
  });
  afterEach(() => base.cleanup());

  async function postUpload(url: string, bytes: Buffer = dicomish): Promise<string> {
    const form = new FormData();
    form.append('files', new Blob([bytes]), 'a.dcm');
    const response = await fetch(`${url}/upload`, { method: 'POST', body: form });
    expect(response.status).toBe(202);
    return ((await response.json()) as { id: string }).id;
  }

  /** The database as a stopped gateway left it. */
  async function readBack<T>(read: (data: ReturnType<typeof openGatewayDb>) => Promise<T>): Promise<T> {
    const data = openGatewayDb(path.join(base.config.dataDir, DATABASE_FILE));
    try {
      return await read(data);
    } finally {
      await data.close();
    }
  }

  it('when it stops, then it closes its keep-alive connections to the siblings', async () => {
    const sockets = new Set<Socket>();
    const sibling = createServer((_req, res) => res.end('{"status":"ok"}'));
    sibling.on('connection', (socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => sibling.listen(0, '127.0.0.1', resolve));
    const siblingUrl = `http://127.0.0.1:${(sibling.address() as { port: number }).port}`;
    try {
      const running = await startGateway(
        { ...base.config, validatorUrl: siblingUrl, descriptorUrl: siblingUrl },
        { logger: silent, shutdownTimeoutMs: 5000 },
      );
      expect((await fetch(`${running.url}/ready`)).status).toBe(200);
      expect(sockets.size).toBeGreaterThan(0);
      await running.close();
      await vi.waitFor(() => expect(sockets.size).toBe(0));
    } finally {
      sibling.closeAllConnections();
      await new Promise((resolve) => sibling.close(resolve));
    }
  });

  it('when a delivery is still retrying at close(), then close() ends after the shutdown timeout, and the next start resumes it', async () => {
    const first = await startGateway(base.config, { logger: silent, shutdownTimeoutMs: 200 });
    const id = await postUpload(first.url);
    expect(await first.close()).toEqual({ unfinished: 1 });
    await expect(fetch(`${first.url}/health`)).rejects.toThrow();
    expect((await readBack((data) => data.readStatus(id)))!.state).toBe('received');

    const second = await startGateway(base.config, { logger: silent, shutdownTimeoutMs: 5000 });
    try {
      const final = await second.pipeline.submit(id);
      expect(final.state).toBe('failed');
      expect(final.events.map((e) => e.type)).toEqual(['study.uploaded', 'study.resumed', 'study.failed']);
    } finally {
      await second.close();
    }
  });

  it('when it starts, then it removes staging folders nothing will use again (.send-* ones too), and keeps the staged files of failed deliveries', async () => {
    const running = await startGateway(base.config, { logger: silent, shutdownTimeoutMs: 5000 });
    const failed = await postUpload(running.url);
    await running.pipeline.submit(failed);
    await running.close();
    // A crash between a final state and the removal of the staged files, and an upload cut short:
    const stored = newStudyId();
    await readBack(async (data) => {
      const status = (await data.readStatus(failed))!;
      const json = JSON.stringify({ ...status, id: stored, state: 'stored' });
      await data.writeStatus({ ...status, id: stored, state: 'stored', StudyInstanceUID: null, json, events: [] });
    });
    await mkdir(path.join(base.config.stagingDir, stored), { recursive: true });
    const orphan = newStudyId();
    await mkdir(path.join(base.config.stagingDir, orphan, 'x'), { recursive: true });
    // A study fetched for POST /studies/<key>/send by a gateway stopped before the send ended:
    const send = path.join(base.config.stagingDir, `.send-${newStudyId()}`);
    await mkdir(send, { recursive: true });
    await writeFile(path.join(send, '00001.dcm'), 'staged');

    const again = await startGateway(base.config, { logger: silent, shutdownTimeoutMs: 5000 });
    try {
      expect((await readdir(base.config.stagingDir)).sort()).toEqual([failed]);
      const states = await readBack(async (data) => [await data.stateOf(failed), await data.stateOf(stored)]);
      expect(states).toEqual(['failed', 'stored']);
    } finally {
      await again.close();
    }
  });
});
