import { MAX_BATCH_STUDIES, type BatchError } from '@dsv/common';
import type { z } from 'zod';
import { Coalescer, type Settled } from './coalescer.ts';
import { answerError, callService, internalAuth, jsonBody, type ServiceAgent } from './service-call.ts';

/**
 * Files in one batch at most: a batch is one answer the sibling builds in memory, and one call under the
 * pipeline's request timeout. A study with more files goes alone.
 */
export const BATCH_FILES = 256;

/**
 * Batch calls to one sibling under way at once; studies ready meanwhile wait for the next. One: each call
 * costs the sibling a request's fixed work, and one at a time makes the batches under load larger
 * (fewer calls per instance) at no cost in rate (the bench's alternated runs, the closing note of issue 21).
 */
const BATCHES_IN_FLIGHT = 1;

interface BatchTarget {
  service: 'validator' | 'descriptor';
  /** The sibling's delivery route, which takes a batch as application/json. */
  url: string;
  agent: ServiceAgent;
  internalToken: string;
  timeoutMs: number;
}

/**
 * Studies sent by reference to a sibling's delivery route, as one JSON body (`{ studies: [...] }`):
 * several to a call when they come while calls are under way; each caller gets its own study's answer,
 * or the error a call of its own would have raised.
 */
export function batchCalls<I, O>(
  target: BatchTarget,
  answerSchema: z.ZodType<{ results: Array<{ status: number; body: O } | BatchError> }>,
  files: (item: I) => number,
): Coalescer<I, O> {
  const { service, url, agent, internalToken, timeoutMs } = target;
  return new Coalescer<I, O>(
    async (studies) => {
      const { body } = await callService(
        service,
        url,
        { agent, headers: internalAuth(internalToken), body: jsonBody({ studies }) },
        answerSchema,
        timeoutMs,
      );
      return body.results.map((result): Settled<O> =>
        'body' in result ? { ok: true, value: result.body } : { ok: false, error: answerError(service, result.status, result.error.code) },
      );
    },
    { inFlight: BATCHES_IN_FLIGHT, maxItems: MAX_BATCH_STUDIES, weight: files, maxWeight: BATCH_FILES },
  );
}
