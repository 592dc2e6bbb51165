import { AppError } from '../../src/errors/app-error.ts';
import { describe, expect, it } from 'vitest';
import { backoffDelay, RetryableError, withRetry } from '../../src/net/retry.ts';

const unavailable = () =>
  new RetryableError('unreachable', new AppError('DOWNSTREAM_UNAVAILABLE', 'The validator is unreachable', { service: 'validator' }));

describe('withRetry', () => {
  it('when every attempt fails, then it waits base × 2^n capped at the maximum, scaled by the jitter, and fails with the attempts counted', async () => {
    const delays: number[] = [];
    let calls = 0;
    const run = withRetry(
      async () => {
        calls++;
        throw unavailable();
      },
      { attempts: 6, baseDelayMs: 2, maxDelayMs: 10 },
      (_attempt, delayMs) => delays.push(delayMs),
      () => 1,
    );
    const error = await run.catch((e: unknown) => e);
    expect(calls).toBe(6);
    expect(delays).toEqual([2, 4, 8, 10, 10]);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'DOWNSTREAM_UNAVAILABLE', status: 503, details: { service: 'validator', attempts: 6 } });
    expect((error as Error).message).toBe('The validator is unreachable (6 attempts)');
  });

  it('when the jitter draws less than 1, then each delay is that share of its ceiling (full jitter, so retries spread out)', async () => {
    const delays: number[] = [];
    const draws = [0, 0.5, 0.25];
    await withRetry(
      async () => {
        throw unavailable();
      },
      { attempts: 4, baseDelayMs: 4, maxDelayMs: 100 },
      (_attempt, delayMs) => delays.push(delayMs),
      () => draws.shift()!,
    ).catch(() => undefined);
    expect(delays).toEqual([0, 4, 4]);
  });

  it('when an attempt succeeds after failures, then its value is answered', async () => {
    let calls = 0;
    const value = await withRetry(
      async (attempt) => {
        calls++;
        if (attempt < 3) throw unavailable();
        return 'done';
      },
      { attempts: 5, baseDelayMs: 1, maxDelayMs: 1 },
    );
    expect([value, calls]).toEqual(['done', 3]);
  });

  it('when the failure is not worth retrying, then it is thrown at once, unchanged', async () => {
    let calls = 0;
    const refused = new AppError('PROCESSING_FAILED', 'The validator answered 400');
    const error = await withRetry(
      async () => {
        calls++;
        throw refused;
      },
      { attempts: 5, baseDelayMs: 1, maxDelayMs: 1 },
    ).catch((e: unknown) => e);
    expect([error, calls]).toEqual([refused, 1]);
  });
});

describe('backoffDelay', () => {
  const policy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 500 };

  it("when the jitter is full (the default), then the delay is the draw's share of base × 2^(n-1), capped", () => {
    expect([1, 2, 3, 4].map((attempt) => backoffDelay(attempt, policy, () => 0))).toEqual([0, 0, 0, 0]);
    expect([1, 2, 3, 4].map((attempt) => backoffDelay(attempt, policy, () => 0.5))).toEqual([50, 100, 200, 250]);
  });

  it('when the jitter is equal, then half the delay is fixed and half random, up to maxDelayMs', () => {
    const equal = { ...policy, jitter: 'equal' as const };
    expect([1, 2, 3, 4].map((attempt) => backoffDelay(attempt, equal, () => 0))).toEqual([50, 100, 200, 250]);
    expect([1, 2, 3, 4].map((attempt) => backoffDelay(attempt, equal, () => 0.999999))).toEqual([100, 200, 400, 500]);
  });
});
