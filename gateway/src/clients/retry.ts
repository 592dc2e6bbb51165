import { AppError } from '@dsv/common';

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Marks a failure worth another attempt (a service down, slow, or overloaded). */
export class RetryableError extends Error {
  override name = 'RetryableError';
  constructor(message: string, readonly final: Error) {
    super(message);
  }
}

/**
 * Exponential backoff with full jitter (a random delay up to base × 2^attempt, capped), so that many
 * studies waiting on the same service do not retry in step.
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
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const delayMs = Math.round(random() * ceiling);
      onRetry(attempt, delayMs, error);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

/** The error the study fails with says how often the service was tried. */
function withAttempts(final: Error, attempts: number): Error {
  if (!(final instanceof AppError)) return final;
  const message = `${final.message} (${attempts} attempt${attempts === 1 ? '' : 's'})`;
  return new AppError(final.code, message, { ...final.details, attempts }, { cause: final.cause });
}
