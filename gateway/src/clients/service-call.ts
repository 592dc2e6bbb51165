import { AppError, type ErrorCode } from '@dsv/common';
import type { z } from 'zod';
import { RetryableError } from './retry.ts';

/** The header that proves to a sibling service that the call comes from the gateway. */
export function internalAuth(token: string): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

const STORAGE_CODES = new Set<string>(['STORAGE_FULL', 'STORAGE_FAILED']);

/**
 * One HTTP call to a sibling service, with its answer checked against the contract. Failures become
 * AppErrors; those worth retrying (unreachable, timed out, 502/503/504) are wrapped in RetryableError.
 */
export async function callService<S extends z.ZodType>(
  service: 'validator' | 'descriptor',
  url: string,
  init: RequestInit,
  schema: S,
  timeoutMs: number,
): Promise<{ status: number; body: z.infer<S> }> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const reason = (error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : 'unreachable';
    throw new RetryableError(reason, new AppError('DOWNSTREAM_UNAVAILABLE', `The ${service} is ${reason}`, { service }, { cause: error }));
  }
  const text = await response.text();
  const json = parseJson(text);
  if (!response.ok) {
    const code = (json as { error?: { code?: string } } | undefined)?.error?.code;
    if (code && STORAGE_CODES.has(code)) throw new AppError(code as ErrorCode, undefined, { service });
    if (response.status === 502 || response.status === 503 || response.status === 504) {
      const final = new AppError('DOWNSTREAM_UNAVAILABLE', `The ${service} answered ${response.status}`, { service, code });
      throw new RetryableError(`answered ${response.status}`, final);
    }
    throw new AppError('PROCESSING_FAILED', `The ${service} answered ${response.status}${code ? ` ${code}` : ''}`, { service, code });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new AppError('PROCESSING_FAILED', `The ${service} answered outside its contract`, { service });
  }
  return { status: response.status, body: parsed.data };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
