import { Readable } from 'node:stream';
import { AppError, type ErrorCode } from '@dsv/common';
import { Pool, type Dispatcher } from 'undici';
import type { z } from 'zod';
import { RetryableError } from './retry.ts';

/** The header that proves to a sibling service that the call comes from the gateway. */
export function internalAuth(token: string): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** One client's connections to a sibling service (one origin), kept open between calls. */
export type ServiceAgent = Dispatcher;

/**
 * undici's pool of keep-alive connections to the sibling at `baseUrl`: one HTTP client for every call
 * between the services. Its own time limits are off: callService's deadline covers the whole exchange.
 */
export function createServiceAgent(baseUrl: string): ServiceAgent {
  return new Pool(new URL(baseUrl).origin, { headersTimeout: 0, bodyTimeout: 0 });
}

/** A request body of a known length, produced on demand (a multipart body of staged files, or JSON). */
export interface RequestBody {
  contentType: string;
  contentLength: number;
  chunks(): AsyncGenerator<Buffer>;
  /** A small body already in memory (JSON): sent in one write, without a stream. */
  bytes?: Buffer;
}

export interface ServiceRequest {
  headers: Record<string, string>;
  /** A POST's body; without one, the call is a GET. */
  body?: RequestBody;
  agent: ServiceAgent;
}

/** A JSON body (a request by reference: the staged files are named, not sent). */
export function jsonBody(value: unknown): RequestBody {
  return jsonBytesBody(Buffer.from(JSON.stringify(value)));
}

/** A JSON document already serialised (one a sibling answered, passed on as it came). */
export function jsonBytesBody(bytes: Buffer): RequestBody {
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
  const response = await fetchDocument(service, url, request, timeoutMs);
  const parsed = schema.safeParse(parseJson(response.bytes));
  if (!parsed.success) throw outsideContract(service);
  return { status: response.status, body: parsed.data };
}

/** The answer of a call outside the sibling's contract (a missing field, another shape). */
export function outsideContract(service: 'validator' | 'descriptor'): AppError {
  return new AppError('PROCESSING_FAILED', `The ${service} answered outside its contract`, { service });
}

/**
 * One exchange with a 2xx answer, kept as it came, unparsed, with its headers; anything else thrown as
 * callService says. callService checks it against the contract; a document the gateway only passes on to
 * the other sibling (the study's instances, from the descriptor to the validator's study checks) is
 * checked by that sibling.
 */
export async function fetchDocument(
  service: 'validator' | 'descriptor',
  url: string,
  request: ServiceRequest,
  timeoutMs: number,
): Promise<Answer> {
  // A plain timer, not AbortSignal.timeout: the signal machinery cost ~2% of the gateway's CPU per study.
  const deadline = { passed: false };
  let response: Answer;
  try {
    response = await exchange(new URL(url), request, timeoutMs, deadline);
  } catch (error) {
    const reason = deadline.passed ? `no answer within ${timeoutMs} ms` : 'unreachable';
    throw new RetryableError(reason, new AppError('DOWNSTREAM_UNAVAILABLE', `The ${service} is ${reason}`, { service }, { cause: error }));
  }
  if (response.status < 200 || response.status > 299) {
    throw answerError(service, response.status, (parseJson(response.bytes) as { error?: { code?: string } } | undefined)?.error?.code);
  }
  return response;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  bytes: Buffer;
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
 * Sends the request through undici's dispatcher, the answer gathered from its callbacks (no stream
 * objects for a small JSON answer). A streamed body goes with back-pressure: each chunk is read from
 * disk only when the socket has taken the previous ones (Node 20's fetch did not wait, and held a 1 GB
 * body in memory). An answer that arrives before the body is all sent (a 413, a 401) still counts.
 */
function exchange(url: URL, { headers, body, agent }: ServiceRequest, timeoutMs: number, deadline: { passed: boolean }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let controller: Dispatcher.DispatchController | null = null;
    let settled = false;
    let status = 0;
    let answerHeaders: Answer['headers'] = {};
    const parts: Buffer[] = [];
    const settle = (error: Error | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve({ status, headers: answerHeaders, bytes: Buffer.concat(parts) });
    };
    const timer = setTimeout(() => {
      deadline.passed = true;
      const error = new Error(`no answer within ${timeoutMs} ms`);
      controller?.abort(error);
      settle(error);
    }, timeoutMs);
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(started) {
        controller = started;
        // The deadline passed while the request waited for a connection.
        if (settled) started.abort(new Error('abandoned'));
      },
      onResponseStart(_controller, statusCode, headers) {
        status = statusCode;
        answerHeaders = headers;
      },
      onResponseData(_controller, chunk) {
        parts.push(chunk);
      },
      onResponseEnd() {
        settle(null);
      },
      onResponseError(_controller, error) {
        settle(error);
      },
    };
    const payload = !body ? null : (body.bytes ?? Readable.from(body.chunks(), { objectMode: false }));
    agent.dispatch(
      {
        origin: url.origin,
        path: url.pathname + url.search,
        method: body ? 'POST' : 'GET',
        headers: body ? { ...headers, 'content-type': body.contentType, 'content-length': String(body.contentLength) } : headers,
        body: payload,
      },
      handler,
    );
  });
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}
