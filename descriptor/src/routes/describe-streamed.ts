import type { DescribeResult } from '@dsv/common';
import type { Request } from 'express';
import { describeStreamedStudy } from '../domain/intake/describe-study.ts';
import type { DeliveriesRouterDeps } from './deliveries.ts';
import { logDescribed } from './report-described.ts';

/** One delivery streamed as multipart/form-data: its `request` part, which names it, then its files. */
export async function describeStreamed(req: Request, deps: DeliveriesRouterDeps): Promise<DescribeResult> {
  const result = await describeStreamedStudy(req, req.correlationId, deps);
  logDescribed(deps.logger, { studyId: result.studyId, correlationId: req.correlationId }, result, { transport: 'stream' });
  return result;
}
