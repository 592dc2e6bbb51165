import type { Logger } from '@dsv/common';
import type { GatewayConfig } from '../../config.ts';
import { routeDimseLogging } from '../route-dimse-logging.ts';
import { findDicomFiles, type DicomFile } from './find-dicom-files.ts';
import { groupByStudy } from './group-by-study.ts';
import { sendStudy, type SendTarget, type StudySendResult } from './send-study.ts';

export interface SendWithRetries {
  target: SendTarget;
  retry: GatewayConfig['pipeline']['retry'];
  logger: Logger;
}

/**
 * Sends the DICOM files under `dir` study by study, each on one association, run again with the
 * pipeline's backoff while the association itself fails before any answer (refused, unreachable,
 * aborted): an instance the peer answered is never sent twice.
 */
export async function sendFolderWithRetries(
  dir: string,
  { target, retry, logger }: SendWithRetries,
): Promise<{ files: DicomFile[]; results: (StudySendResult & { attempts: number })[] }> {
  routeDimseLogging(logger);
  const { files } = await findDicomFiles([dir]);
  const results: (StudySendResult & { attempts: number })[] = [];
  for (const batch of groupByStudy(files)) {
    for (let attempt = 1; ; attempt++) {
      const result = await sendStudy(batch, target);
      const unanswered = result.instances.every((i) => i.status === null);
      if (!(result.error && unanswered) || attempt >= retry.attempts) {
        results.push({ ...result, attempts: attempt });
        break;
      }
      logger.warn({ StudyInstanceUID: batch.StudyInstanceUID, attempt, reason: result.error }, 'dimse send: retrying');
      await new Promise((resolve) => setTimeout(resolve, Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1))));
    }
  }
  return { files, results };
}
