import { AppError } from '../errors/app-error.ts';

/**
 * How a call is tried again: `attempts` calls at most, the delay after attempt n is drawn under
 * min(maxDelayMs, baseDelayMs × 2^(n-1)).
 * - `full` jitter (the default): anywhere from 0 to that ceiling, so that many callers waiting on one
 *   service spread out the most;
 * - `equal` jitter: at least half the ceiling, the other half random, for a caller that should not come
 *   back at once (a FHIR server after an outage).
 */
export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  jitter?: 'full' | 'equal';
}

/** Marks a failure worth another attempt (a service down, slow, or overloaded); `final` is what the caller fails with when none is left. */
export class RetryableError extends Error {
  override name = 'RetryableError';
  constructor(
    message: string,
    readonly final: Error,
  ) {
    super(message);
  }
}

/** The wait after attempt `attempt` (1-based), under the policy's jitter; `random` draws from [0, 1). */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  if (policy.jitter === 'equal') return Math.round(ceiling / 2 + random() * (ceiling / 2));
  return Math.round(random() * ceiling);
}

/**
 * Runs `run` until it answers, throws something other than a RetryableError (thrown at once, unchanged),
 * or has been tried `policy.attempts` times: then the last RetryableError's `final` is thrown, an
 * AppError among them with the attempts counted in its message and details.
 */
export async function withRetry<T>(
  run: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  onRetry: (attempt: number, delayMs: number, error: RetryableError) => void = () => undefined,
  random: () => number = Math.random,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run(attempt);
    } catch (error) {
      if (!(error instanceof RetryableError)) throw error;
      if (attempt >= policy.attempts) throw withAttempts(error.final, attempt);
      const delayMs = backoffDelay(attempt, policy, random);
      onRetry(attempt, delayMs, error);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

/** The error the caller fails with says how often the service was tried. */
function withAttempts(final: Error, attempts: number): Error {
  if (!(final instanceof AppError)) return final;
  const message = `${final.message} (${attempts} attempt${attempts === 1 ? '' : 's'})`;
  return new AppError(final.code, message, { ...final.details, attempts }, { cause: final.cause });
}
