import type { BatchError } from '@dsv/common';
import type { Settled } from './coalescer.ts';
import { answerError } from './service-call.ts';

/**
 * Files in one batch at most: a batch is one answer the sibling builds in memory, and one call under the
 * pipeline's request timeout. A study with more files goes alone.
 */
export const BATCH_FILES = 256;

/** A batch answer's results as each study's own answer: its body, or the error a call of its own raised. */
export function batchSettled<T>(service: 'validator' | 'descriptor', results: ReadonlyArray<{ status: number; body: T } | BatchError>): Settled<T>[] {
  return results.map((result) => ('body' in result ? { ok: true, value: result.body } : { ok: false, error: answerError(service, result.status, result.error.code) }));
}
