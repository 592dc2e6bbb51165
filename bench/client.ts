import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { WorkloadFile } from './workloads.ts';

/** What one request came back with. */
export interface SendResult {
  ok: boolean;
  /** Why it is not ok: HTTP status and the service's code or state. */
  error?: string;
  /** Lifecycle events of our services, as [type, ms since the request was started]. */
  events?: Array<[string, number]>;
}

/** Sends one batch of files (one request) and resolves when the receiver says they are stored. */
export type Sender = (files: WorkloadFile[]) => Promise<SendResult>;

export interface RequestTiming extends SendResult {
  latencyMs: number;
  files: number;
  bytes: number;
}

export interface LoadResult {
  /** From just before the first request was started to the end of the last answer. */
  wallMs: number;
  requests: RequestTiming[];
}

/**
 * Our gateway: one multipart request, every file a `files` part streamed from disk, `?wait=true` so the
 * answer comes when the upload reached a terminal state; ok only for `stored`.
 */
export function gatewaySender(baseUrl: string): Sender {
  return async (files) => {
    const started = Date.now();
    const res = await postFiles(`${baseUrl}/upload?wait=true`, files, 'multipart');
    const body = JSON.parse(res.body) as {
      state?: string;
      duplicateOf?: string;
      outcome?: { code?: string };
      error?: { code?: string };
      events?: Array<{ type: string; time: string }>;
    };
    const events = body.events?.map((e): [string, number] => [e.type, Date.parse(e.time) - started]);
    if (body.duplicateOf)
      return { ok: false, error: `HTTP ${res.status} answered as a duplicate of ${body.duplicateOf}, not stored again` };
    if (body.state === 'stored') return { ok: true, events };
    return { ok: false, error: `HTTP ${res.status} ${body.state ?? ''} ${body.outcome?.code ?? body.error?.code ?? ''}`.trim(), events };
  };
}

/**
 * The same multipart body to the baseline (a server that only streams it to a file) or the floor
 * (floor-server.ts); each answers 201 once the files are written, or stored.
 */
export function baselineSender(baseUrl: string): Sender {
  return async (files) => {
    const res = await postFiles(`${baseUrl}/upload`, files, 'multipart');
    return res.status === 201 ? { ok: true } : { ok: false, error: `HTTP ${res.status}` };
  };
}

/** Orthanc's `POST /instances`: one file per request, the raw DICOM bytes as the body. */
export function orthancSender(baseUrl: string): Sender {
  return async (files) => {
    if (files.length !== 1) throw new Error('Orthanc takes one file per request');
    const res = await postFiles(`${baseUrl}/instances`, files, 'raw');
    const body = JSON.parse(res.body) as { Status?: string };
    if (res.status === 200 && body.Status === 'Success') return { ok: true };
    return { ok: false, error: `HTTP ${res.status} ${body.Status ?? ''}`.trim() };
  };
}

/**
 * Connections are kept open between requests, as every target's real clients would. node:http rather
 * than fetch: fetch (undici in Node 20) with FormData and Blobs cost the client ~0.3 ms of CPU per small
 * request, on the same two cores as the targets it measures, and buffered bodies without back-pressure.
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** Files at most this big are read whole and sent with one write; larger ones are streamed. */
const READ_WHOLE_BYTES = 1 << 20;

/**
 * POSTs files as one multipart/form-data body (a `files` part each) or one file as the raw body, with its
 * Content-Length; each file is read from disk as it is sent, with back-pressure.
 */
async function postFiles(url: string, files: WorkloadFile[], form: 'multipart' | 'raw'): Promise<{ status: number; body: string }> {
  const boundary = `dsv-bench-${randomBytes(12).toString('hex')}`;
  const pieces: Array<Buffer | WorkloadFile> = [];
  if (form === 'raw') pieces.push(files[0]!);
  else {
    for (const file of files) {
      const name = file.name.replace(/["\r\n]/g, '_');
      pieces.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${name}"\r\nContent-Type: application/dicom\r\n\r\n`,
        ),
        file,
        Buffer.from('\r\n'),
      );
    }
    pieces.push(Buffer.from(`--${boundary}--\r\n`));
  }
  const length = pieces.reduce((sum, piece) => sum + (Buffer.isBuffer(piece) ? piece.length : piece.bytes), 0);
  const contentType = form === 'raw' ? 'application/dicom' : `multipart/form-data; boundary=${boundary}`;
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'Content-Type': contentType, 'Content-Length': length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    writePieces(req, pieces).then(
      () => req.end(),
      (error: unknown) => req.destroy(error as Error),
    );
  });
}

async function writePieces(req: http.ClientRequest, pieces: Array<Buffer | WorkloadFile>): Promise<void> {
  for (const piece of pieces) {
    if (Buffer.isBuffer(piece)) {
      if (!req.write(piece)) await once(req, 'drain');
    } else if (piece.bytes <= READ_WHOLE_BYTES) {
      if (!req.write(await readFile(piece.path))) await once(req, 'drain');
    } else {
      for await (const chunk of createReadStream(piece.path, { highWaterMark: 1 << 20 })) {
        if (!req.write(chunk as Buffer)) await once(req, 'drain');
      }
    }
  }
}

/**
 * Sends every batch through `send`, `concurrency` requests at a time (a new one starts as soon as one
 * ends). A request that throws counts as failed with its message; the others go on.
 */
export async function runLoad(batches: WorkloadFile[][], concurrency: number, send: Sender): Promise<LoadResult> {
  const requests: RequestTiming[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < batches.length) {
      const batch = batches[next++]!;
      const started = performance.now();
      let result: SendResult;
      try {
        result = await send(batch);
      } catch (error) {
        result = { ok: false, error: describeError(error) };
      }
      requests.push({
        ...result,
        latencyMs: performance.now() - started,
        files: batch.length,
        bytes: batch.reduce((sum, f) => sum + f.bytes, 0),
      });
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, worker));
  return { wallMs: performance.now() - started, requests };
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}
