import net from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { listen, type RunningServer } from '../../src/http/server-lifecycle.ts';

/** A raw HTTP/1.1 client on one socket: pipelining and kept-alive connections are what is under test. */
function connect(port: number): Promise<{ socket: net.Socket; received: () => string; ended: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (data += chunk));
    const ended = new Promise<void>((done) => socket.once('close', () => done()));
    socket.once('connect', () => resolve({ socket, received: () => data, ended }));
    socket.once('error', reject);
  });
}

const get = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: test\r\n\r\n`;

async function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('listen() and close()', () => {
  let running: RunningServer | undefined;
  let release: () => void = () => undefined;
  let entered = false;

  const app = express();
  app.get('/fast', (_req, res) => {
    res.json({ ok: true });
  });
  // Headers and a first chunk at once, the rest when the test says so.
  app.get('/stream', (_req, res) => {
    entered = true;
    res.write('first;');
    release = () => res.end('last');
  });
  app.get('/hang', () => {
    entered = true;
  });

  afterEach(async () => {
    release();
    entered = false;
    await running?.close(100).catch(() => undefined);
    running = undefined;
  });

  it('when close() is called, then the request in flight finishes, a request on its kept-alive connection gets 503 SHUTTING_DOWN, and a new connection is refused', async () => {
    running = await listen(app, { host: '127.0.0.1', port: 0 });
    const client = await connect(running.port);
    client.socket.write(get('/stream'));
    await until(() => entered && client.received().includes('first;'));

    const closed = running.close();
    expect(running.closing).toBe(true);
    client.socket.write(get('/fast'));
    await expect(fetch(`${running.url}/fast`)).rejects.toThrow();
    release();
    await closed;
    await client.ended;

    const answers = client.received();
    expect(answers).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(answers).toContain('last');
    const refusal = answers.slice(answers.indexOf('HTTP/1.1 503'));
    expect(refusal).toMatch(/^HTTP\/1\.1 503 Service Unavailable/);
    expect(refusal.toLowerCase()).toContain('connection: close');
    const body = JSON.parse(refusal.slice(refusal.indexOf('\r\n\r\n') + 4));
    expect(body).toMatchObject({ error: { code: 'SHUTTING_DOWN', message: 'The service is shutting down' } });
    expect(body.requestId).toEqual(expect.any(String));
  });

  it('when a request never finishes, then close(timeout) cuts its connection after the timeout', async () => {
    running = await listen(app, { host: '127.0.0.1', port: 0, shutdownTimeoutMs: 200 });
    const client = await connect(running.port);
    client.socket.write(get('/hang'));
    await until(() => entered);
    const started = Date.now();
    await running.close();
    await client.ended;
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(150);
    expect(took).toBeLessThan(2000);
  });

  it('when an idle kept-alive connection is open, then close() does not wait for it', async () => {
    running = await listen(app, { host: '127.0.0.1', port: 0 });
    const client = await connect(running.port);
    client.socket.write(get('/fast'));
    await until(() => client.received().includes('"ok":true'));
    const started = Date.now();
    await running.close();
    await client.ended;
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('when a client stalls mid-body, then the request timeout closes it within about that timeout, not at the next 30 s check', async () => {
    running = await listen(app, { host: '127.0.0.1', port: 0, requestTimeoutMs: 300, headersTimeoutMs: 300 });
    const client = await connect(running.port);
    const started = Date.now();
    client.socket.write('POST /fast HTTP/1.1\r\nHost: test\r\nContent-Length: 1000\r\n\r\npartial');
    await client.ended;
    expect(Date.now() - started).toBeLessThan(2000);
    expect(client.received()).toMatch(/^HTTP\/1\.1 408/);
  });
});
