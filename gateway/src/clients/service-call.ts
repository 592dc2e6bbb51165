import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { AppError, type ErrorCode } from '@dsv/common';
import type { z } from 'zod';
import { RetryableError } from './retry.ts';

/** The header that proves to a sibling service that the call comes from the gateway. */
export function internalAuth(token: string): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** One client's connections to a sibling service, kept open between calls. */
export function createServiceAgent(baseUrl: string): http.Agent {
  return new URL(baseUrl).protocol === 'https:' ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
}

/** A request body of a known length, produced on demand (a multipart body of staged files, or JSON). */
export interface RequestBody {
  contentType: string;
  contentLength: number;
  chunks(): AsyncGenerator<Buffer>;
  /** A small body already in memory (JSON): sent in one write, without a stream pipeline. */
  bytes?: Buffer;
}

export interface ServiceRequest {
  headers: Record<string, string>;
  /** A POST's body; without one, the call is a GET. */
  body?: RequestBody;
  agent: http.Agent;
}

/** A JSON body (a request by reference: the staged files are named, not sent). */
export function jsonBody(value: unknown): RequestBody {
  const bytes = Buffer.from(JSON.stringify(value));
  return {
    bytes,
    contentType: 'application/json',
    contentLength: bytes.length,
    async *chunks() {
      yield bytes;
    },
  };
}

const STORAGE_CODES = new Set<string>(['STORAGE_FULL', 'STORAGE_FAILED']);

/**
 * One HTTP call to a sibling service (a POST, or a GET when there is no body), with its answer checked
 * against the contract. Failures become AppErrors; those worth retrying (unreachable, timed out,
 * 502/503/504) are wrapped in RetryableError.
 */
export async function callService<S extends z.ZodType>(
  service: 'validator' | 'descriptor',
  url: string,
  request: ServiceRequest,
  schema: S,
  timeoutMs: number,
): Promise<{ status: number; body: z.infer<S> }> {
  // A plain timer, not AbortSignal.timeout: the signal machinery cost ~2% of the gateway's CPU per study.
  const deadline = { passed: false };
  let response: { status: number; text: string };
  try {
    response = await exchange(new URL(url), request, timeoutMs, deadline);
  } catch (error) {
    const reason = deadline.passed ? `no answer within ${timeoutMs} ms` : 'unreachable';
    throw new RetryableError(reason, new AppError('DOWNSTREAM_UNAVAILABLE', `The ${service} is ${reason}`, { service }, { cause: error }));
  }
  const json = parseJson(response.text);
  if (response.status < 200 || response.status > 299) {
    throw answerError(service, response.status, (json as { error?: { code?: string } } | undefined)?.error?.code);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new AppError('PROCESSING_FAILED', `The ${service} answered outside its contract`, { service });
  }
  return { status: response.status, body: parsed.data };
}

/**
 * What a sibling's error answer (its status and error code) means here: the storage errors as they are,
 * 502/503/504 worth retrying, anything else PROCESSING_FAILED naming the service's code. Also used for
 * a study's error inside a batch answer, so a study gets the same error batched or not.
 */
export function answerError(service: 'validator' | 'descriptor', status: number, code: string | undefined): Error {
  if (code && STORAGE_CODES.has(code)) return new AppError(code as ErrorCode, undefined, { service });
  if (status === 502 || status === 503 || status === 504) {
    const final = new AppError('DOWNSTREAM_UNAVAILABLE', `The ${service} answered ${status}`, { service, code });
    return new RetryableError(`answered ${status}`, final);
  }
  return new AppError('PROCESSING_FAILED', `The ${service} answered ${status}${code ? ` ${code}` : ''}`, { service, code });
}

/**
 * Sends the body through node:http with back-pressure: each chunk is read from disk only when the
 * socket has taken the previous ones (Node 20's fetch does not wait, and held a 1 GB body in memory).
 * An answer that arrives before the body is all sent (a 413, a 401) still counts, though the service
 * may close the connection on the rest of the body.
 */
function exchange(
  url: URL,
  { headers, body, agent }: ServiceRequest,
  timeoutMs: number,
  deadline: { passed: boolean },
): Promise<{ status: number; text: string }> {
  const send = url.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = send(url, {
      method: body ? 'POST' : 'GET',
      agent,
      headers: body ? { ...headers, 'content-type': body.contentType, 'content-length': String(body.contentLength) } : headers,
    });
    req.on('socket', guardSocket);
    const timer = setTimeout(() => {
      deadline.passed = true;
      req.destroy(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const settle = <T>(then: (value: T) => void) => (value: T) => {
      clearTimeout(timer);
      then(value);
    };
    req.on('error', (error) => {
      // After the answer has begun, the answer's own events settle the call.
      if (!answered) settle(reject)(error);
    });
    req.on('response', (res) => {
      answered = true;
      const parts: Buffer[] = [];
      res.on('data', (chunk: Buffer) => parts.push(chunk));
      res.on('end', () => settle(resolve)({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString('utf8') }));
      res.on('error', settle(reject));
      res.on('close', () => {
        if (!res.complete) settle(reject)(new Error('the answer was cut short'));
      });
    });
    // A failed send destroys the request, which reports the error above (unless an answer came first).
    if (!body) req.end();
    else if (body.bytes) req.end(body.bytes);
    else pipeline(body.chunks(), req).catch(() => undefined);
  });
}

const guarded = new WeakSet<Socket>();

/**
 * A service may answer before the body is all sent (a 413, a 401) and close the connection; a write
 * still under way then fails with ECONNRESET on the socket after the request has let go of it, and an
 * 'error' without a listener would end the gateway. The call is settled by the answer already: that
 * error is expected. Once per socket (the agent reuses them).
 */
function guardSocket(socket: Socket): void {
  if (guarded.has(socket)) return;
  guarded.add(socket);
  socket.on('error', () => undefined);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
