import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '@dsv/common';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RetryableError } from '../../src/clients/retry.ts';
import { callService, createServiceAgent } from '../../src/clients/service-call.ts';
import { stagedMultipart } from '../../src/clients/staged-multipart.ts';

const Answer = z.object({ bytes: z.number(), head: z.string(), tail: z.string() });
const MB = 1024 * 1024;

/** A sibling service that reads the body at most `bytesPerSecond` and answers what it saw. */
function startReader(bytesPerSecond: number, answer?: (res: http.ServerResponse) => void): Promise<{ url: string; server: http.Server }> {
  const read = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    if (answer) return answer(res);
    let bytes = 0;
    let head = '';
    let tail = Buffer.alloc(0);
    const started = Date.now();
    for await (const chunk of req as AsyncIterable<Buffer>) {
      if (head.length < 400) head += chunk.subarray(0, 400).toString('latin1');
      tail = Buffer.concat([tail, chunk]).subarray(-200);
      bytes += chunk.length;
      const due = started + (bytes / bytesPerSecond) * 1000;
      if (due > Date.now()) await sleep(due - Date.now());
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ bytes, head, tail: tail.toString('latin1') }));
  };
  // A client that gives up mid-body makes the read fail: the answer is then cut, not an unhandled rejection.
  const server = http.createServer((req, res) => {
    read(req, res).catch(() => res.destroy());
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server })),
  );
}

describe('callService', () => {
  let dir: string;
  let server: http.Server | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-service-call-'));
  });
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
    server = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('when a 300 MB staged file goes to a service that reads slower than the disk, then the body is sent whole and memory stays bounded', async () => {
    // Sparse: the disk gives it at memory speed, far faster than the service reads.
    await writeFile(path.join(dir, '0001.dcm'), '');
    await truncate(path.join(dir, '0001.dcm'), 300 * MB);
    await writeFile(path.join(dir, '0002.dcm'), 'DICM');
    const started = await startReader(200 * MB);
    server = started.server;
    const body = await stagedMultipart(dir, ['0001.dcm', '0002.dcm'], { request: '{"a":1}' });

    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    try {
      const { body: answer } = await callService(
        'validator',
        `${started.url}/v1/validations`,
        { headers: {}, body, agent: createServiceAgent(started.url) },
        Answer,
        60_000,
      );
      expect(answer.bytes).toBe(body.contentLength);
      expect(answer.head).toMatch(/^------dsv[0-9a-f]{24}\r\nContent-Disposition: form-data; name="request"\r\n\r\n\{"a":1\}\r\n/);
      expect(answer.head).toContain(
        'Content-Disposition: form-data; name="files"; filename="0001.dcm"\r\nContent-Type: application/dicom\r\n\r\n',
      );
      expect(answer.tail).toMatch(/filename="0002.dcm"\r\nContent-Type: application\/dicom\r\n\r\nDICM\r\n------dsv[0-9a-f]{24}--\r\n$/);
    } finally {
      clearInterval(sampler);
    }
    expect((peak - before) / MB).toBeLessThan(100);
  }, 60_000);

  it('when the service answers 503, then the error is worth a retry; when it answers 400, then it is PROCESSING_FAILED with its code', async () => {
    let status = 503;
    const started = await startReader(Infinity, (res) => {
      res.statusCode = status;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ error: { code: 'SOMETHING' } }));
    });
    server = started.server;
    await writeFile(path.join(dir, '0001.dcm'), 'DICM');
    const call = async () =>
      callService(
        'descriptor',
        started.url,
        { headers: {}, body: await stagedMultipart(dir, ['0001.dcm']), agent: createServiceAgent(started.url) },
        Answer,
        5000,
      );
    await expect(call()).rejects.toBeInstanceOf(RetryableError);
    status = 400;
    const error = await call().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'PROCESSING_FAILED', details: { service: 'descriptor', code: 'SOMETHING' } });
  });

  it('when the service does not answer in time, then the error says so and is worth a retry', async () => {
    const started = await startReader(Infinity, () => undefined);
    server = started.server;
    await writeFile(path.join(dir, '0001.dcm'), 'DICM');
    const body = await stagedMultipart(dir, ['0001.dcm']);
    const error = await callService(
      'validator',
      started.url,
      { headers: {}, body, agent: createServiceAgent(started.url) },
      Answer,
      200,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as RetryableError).message).toBe('no answer within 200 ms');
  });

  it('when nothing listens, then the service is unreachable and the error is worth a retry', async () => {
    await writeFile(path.join(dir, '0001.dcm'), 'DICM');
    const body = await stagedMultipart(dir, ['0001.dcm']);
    const error = await callService(
      'validator',
      'http://127.0.0.1:9',
      { headers: {}, body, agent: createServiceAgent('http://127.0.0.1:9') },
      Answer,
      2000,
    ).catch((e: unknown) => e);
    expect((error as RetryableError).message).toBe('unreachable');
  });
});
