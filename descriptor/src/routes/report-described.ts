import type { DescribeResult, EventContext, Logger } from '@dsv/common';

/**
 * The one log line per described delivery, streamed or by reference: ids, counts and flags only. At debug:
 * the delivery's events, logged at info, say where it went; this adds how its files came.
 */
export function logDescribed(
  logger: Logger | undefined,
  context: EventContext,
  result: DescribeResult,
  extra: Record<string, unknown>,
): void {
  logger?.debug(
    {
      ...context,
      ...extra,
      disposition: result.disposition,
      alreadyStored: result.alreadyStored,
      files: result.files.originals.length,
    },
    'described',
  );
}
