import { setTimeout as delay } from 'node:timers/promises';
import type { DescriptorConfig } from '../../config.ts';

export type FhirSettings = DescriptorConfig['fhir'];
export type RetrySettings = FhirSettings['retry'];

export type PostOutcome =
  | { ok: true; attempts: number; httpStatus: number }
  | { ok: false; attempts: number; httpStatus: number | null; reason: string };

export interface PostOptions {
  /** Waits between attempts; tests may record the delays. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

type Attempt = { ok: true; httpStatus: number } | { ok: false; httpStatus: number | null; reason: string; retryable: boolean };

/**
 * POSTs a transaction Bundle to the FHIR server's base URL (FHIR R4 §3.1.0.11, "transaction"), trying
 * again after network errors, timeouts, 408, 429 and 5xx answers, with exponential backoff. Another 4xx
 * is an answer about the bundle or the credentials: sending it again unchanged would get the same one.
 * Never throws; the reason names a status or an error code, never a response body (it may echo
 * patient data).
 */
export async function postFhirBundle(settings: FhirSettings, body: string, options: PostOptions = {}): Promise<PostOutcome> {
  const sleep = options.sleep ?? ((ms: number) => delay(ms));
  for (let attempt = 1; ; attempt++) {
    const result = await postOnce(settings, body);
    if (result.ok) return { ok: true, attempts: attempt, httpStatus: result.httpStatus };
    if (!result.retryable || attempt >= settings.retry.attempts) {
      return { ok: false, attempts: attempt, httpStatus: result.httpStatus, reason: result.reason };
    }
    await sleep(backoffDelay(attempt, settings.retry, options.random));
  }
}

/**
 * The wait after attempt `attempt` (1-based): the delay doubles from baseDelayMs up to maxDelayMs, and a
 * random half of it is dropped ("equal jitter"), so that many descriptors coming back after one FHIR
 * outage do not all retry in step, while each still waits at least half the nominal delay.
 */
export function backoffDelay(attempt: number, retry: RetrySettings, random: () => number = Math.random): number {
  const nominal = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(nominal / 2 + random() * (nominal / 2));
}

async function postOnce(settings: FhirSettings, body: string): Promise<Attempt> {
  let response: Response;
  try {
    response = await fetch(settings.forwardUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/fhir+json',
        accept: 'application/fhir+json',
        ...(settings.authHeader ? { authorization: settings.authHeader } : {}),
      },
      body,
      signal: AbortSignal.timeout(settings.timeoutMs),
      redirect: 'error',
    });
  } catch (error) {
    return { ok: false, httpStatus: null, reason: networkReason(error, settings.timeoutMs), retryable: true };
  }
  // The answer (a transaction-response Bundle, or an OperationOutcome) is not needed: read it off the socket.
  await response.arrayBuffer().catch(() => undefined);
  if (response.ok) return { ok: true, httpStatus: response.status };
  const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
  return { ok: false, httpStatus: response.status, reason: `HTTP ${response.status}`, retryable };
}

function networkReason(error: unknown, timeoutMs: number): string {
  const name = (error as { name?: string } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const cause = (error as { cause?: { code?: string } } | null)?.cause;
  return `connection failed${cause?.code ? `: ${cause.code}` : ''}`;
}
