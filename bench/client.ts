import { openAsBlob } from 'node:fs';
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
 * Our gateway: one multipart request, every file a `files` part streamed from disk by `openAsBlob`,
 * `?wait=true` so the answer comes when the upload reached a terminal state; ok only for `stored`.
 */
export function gatewaySender(baseUrl: string): Sender {
  return async (files) => {
    const started = Date.now();
    const res = await fetch(`${baseUrl}/upload?wait=true`, { method: 'POST', body: await buildForm(files) });
    const body = (await res.json()) as {
      state?: string;
      duplicateOf?: string;
      outcome?: { code?: string };
      error?: { code?: string };
      events?: Array<{ type: string; time: string }>;
    };
    const events = body.events?.map((e): [string, number] => [e.type, Date.parse(e.time) - started]);
    // Files sent before are answered with their earlier study without being processed: not a fair count.
    if (body.duplicateOf) return { ok: false, error: `HTTP ${res.status} answered as a duplicate of ${body.duplicateOf}, not stored again` };
    if (body.state === 'stored') return { ok: true, events };
    return { ok: false, error: `HTTP ${res.status} ${body.state ?? ''} ${body.outcome?.code ?? body.error?.code ?? ''}`.trim(), events };
  };
}

/**
 * The ceiling: the same multipart body to a server that only streams it to a file. Answers 201 once
 * the body is written.
 */
export function baselineSender(baseUrl: string): Sender {
  return async (files) => {
    const res = await fetch(`${baseUrl}/upload`, { method: 'POST', body: await buildForm(files) });
    await res.arrayBuffer();
    return res.status === 201 ? { ok: true } : { ok: false, error: `HTTP ${res.status}` };
  };
}

/** Orthanc's `POST /instances`: one file per request, the raw DICOM bytes as the body. */
export function orthancSender(baseUrl: string): Sender {
  return async (files) => {
    const [file] = files;
    if (!file || files.length !== 1) throw new Error('Orthanc takes one file per request');
    const res = await fetch(`${baseUrl}/instances`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/dicom' },
      body: await openAsBlob(file.path),
    });
    const body = (await res.json()) as { Status?: string };
    // A re-sent instance would be answered AlreadyStored without being stored again: not a fair count.
    if (res.ok && body.Status === 'Success') return { ok: true };
    return { ok: false, error: `HTTP ${res.status} ${body.Status ?? ''}`.trim() };
  };
}

async function buildForm(files: WorkloadFile[]): Promise<FormData> {
  const form = new FormData();
  for (const file of files) form.append('files', await openAsBlob(file.path), file.name);
  return form;
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
      requests.push({ ...result, latencyMs: performance.now() - started, files: batch.length, bytes: batch.reduce((sum, f) => sum + f.bytes, 0) });
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
