import path from 'node:path';
import type { DescribeResult, EventContext, Logger } from '@dsv/common';
import type { FhirForwarder } from '../domain/forward-fhir.ts';

/** The one log line per described study, whichever route described it: ids, counts and flags only. */
export function logDescribed(logger: Logger | undefined, context: EventContext, result: DescribeResult, extra: Record<string, unknown>): void {
  logger?.info({
    ...context, ...extra, disposition: result.disposition, alreadyStored: result.alreadyStored, files: result.files.originals.length,
  }, 'described');
}

/**
 * Called after the answer. A retry (alreadyStored) was forwarded, or kept in the outbox, the first time;
 * a rejected study has no fhir.json.
 */
export function forwardNewStudy(forwarder: FhirForwarder | null, context: EventContext, result: DescribeResult, studiesDir: string): void {
  if (forwarder && result.disposition === 'stored' && !result.alreadyStored) forwarder.forward(context, path.join(studiesDir, context.studyId));
}
