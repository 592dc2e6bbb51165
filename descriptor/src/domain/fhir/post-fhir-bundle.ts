import { RetryableError, withRetry } from '@dsv/common';
import { request, type Dispatcher } from 'undici';
import type { DescriptorConfig } from '../../config.ts';

export type FhirSettings = DescriptorConfig['fhir'];

export type PostOutcome =
  { ok: true; attempts: number; httpStatus: number } | { ok: false; attempts: number; httpStatus: number | null; reason: string };

export interface PostOptions {
  /** Draws the backoff's jitter; tests may fix it. */
  random?: () => number;
}

type Attempt = { ok: true; httpStatus: number } | { ok: false; httpStatus: number | null; reason: string; retryable: boolean };

/** A POST that did not succeed, carried through withRetry to the outcome. */
class PostFailed extends Error {
  constructor(readonly attempt: Extract<Attempt, { ok: false }>) {
    super(attempt.reason);
  }
}

/**
 * POSTs a transaction Bundle to the FHIR server's base URL (FHIR R4 §3.1.0.11, "transaction"), trying
 * again after network errors, timeouts, 408, 429 and 5xx answers, with exponential backoff and equal
 * jitter (fhir.retry): many descriptors coming back after one FHIR outage do not retry in step, and each
 * still waits at least half the nominal delay. Another 4xx is an answer about the bundle or the
 * credentials: sending it again unchanged would get the same one. Never throws; the reason names a
 * status or an error code, never a response body (it may echo patient data).
 */
export async function postFhirBundle(settings: FhirSettings, body: string, options: PostOptions = {}): Promise<PostOutcome> {
  let attempts = 0;
  try {
    const httpStatus = await withRetry(
      async (attempt) => {
        attempts = attempt;
        const result = await postOnce(settings, body);
        if (result.ok) return result.httpStatus;
        const failed = new PostFailed(result);
        throw result.retryable ? new RetryableError(result.reason, failed) : failed;
      },
      { ...settings.retry, jitter: 'equal' },
      undefined,
      options.random,
    );
    return { ok: true, attempts, httpStatus };
  } catch (error) {
    if (!(error instanceof PostFailed)) throw error;
    return { ok: false, attempts, httpStatus: error.attempt.httpStatus, reason: error.attempt.reason };
  }
}

/** The statuses that ask the client to go elsewhere (RFC 9110 §15.4). */
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** One POST through undici's global dispatcher: the FHIR server is outside, no sibling's pool serves it. */
async function postOnce(settings: FhirSettings, body: string): Promise<Attempt> {
  let response: Dispatcher.ResponseData;
  try {
    response = await request(settings.forwardUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/fhir+json',
        accept: 'application/fhir+json',
        ...(settings.authHeader ? { authorization: settings.authHeader } : {}),
      },
      body,
      // The time limit covers the whole exchange, the answer's body included.
      signal: AbortSignal.timeout(settings.timeoutMs),
    });
  } catch (error) {
    return { ok: false, httpStatus: null, reason: networkReason(error, settings.timeoutMs), retryable: true };
  }
  // The answer (a transaction-response Bundle, or an OperationOutcome) is not needed: read it off the socket.
  await response.body.dump().catch(() => undefined);
  const status = response.statusCode;
  // Never followed: the bundle and its credentials go to the configured server only. A redirect counts as
  // a failed connection, tried again like one.
  if (REDIRECTS.has(status)) return { ok: false, httpStatus: null, reason: 'connection failed', retryable: true };
  if (status >= 200 && status <= 299) return { ok: true, httpStatus: status };
  const retryable = status === 408 || status === 429 || status >= 500;
  return { ok: false, httpStatus: status, reason: `HTTP ${status}`, retryable };
}

/** undici names a failed connection by the error's code (ECONNREFUSED, UND_ERR_SOCKET…), on the error or its cause. */
function networkReason(error: unknown, timeoutMs: number): string {
  const name = (error as { name?: string } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const code = errorCode(error) ?? errorCode((error as { cause?: unknown } | null)?.cause);
  return `connection failed${code ? `: ${code}` : ''}`;
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
