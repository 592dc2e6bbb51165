import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { AppError, isStudyId, isValidUid, newStudyId, port, type Logger } from '@dsv/common';
import express, { Router } from 'express';
import { z } from 'zod';
import { internalAuth } from '../clients/service-call.ts';
import type { GatewayConfig } from '../config.ts';
import { aeTitle } from './dimse-config.ts';

const SendRequestSchema = z.strictObject({
  host: z.string().min(1).max(255),
  port: port.refine((value) => value > 0, 'a port from 1 to 65535'),
  aeTitle,
  callingAeTitle: aeTitle.optional(),
});

/**
 * POST /studies/<key>/send { host, port, aeTitle, callingAeTitle? }: sends a stored study on to a DICOM
 * peer (C-STORE), the simplest router. The study's files are fetched from the descriptor into a folder
 * of the staging area, sent on one association (retried, with the pipeline's backoff, while the
 * association itself fails), and removed. Answers when done: 200 when every instance was stored by the
 * peer (success or warning), 502 otherwise, with what each instance was answered and why it failed.
 */
export function sendStudyRouter(config: GatewayConfig, logger: Logger): Router {
  const router = Router();
  router.post('/studies/:key/send', express.json({ limit: '16kb' }), async (req, res) => {
    const key = req.params.key;
    if (!(isStudyId(key) || isValidUid(key))) throw new AppError('STUDY_ID_INVALID');
    const parsed = SendRequestSchema.safeParse(req.body);
    if (!parsed.success) throw new AppError('REQUEST_INVALID', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const target = parsed.data;
    const dir = path.resolve(config.stagingDir, `.send-${newStudyId()}`);
    await mkdir(dir, { recursive: true });
    try {
      await fetchStudyFiles(config, key, dir);
      // Loaded on first use, like the receiver: dcmjs-dimse weighs ~20 MB.
      const [{ findDicomFiles }, { groupByStudy }, { sendStudy }, { routeDimseLogging }] = await Promise.all([
        import('./send/find-dicom-files.ts'),
        import('./send/group-by-study.ts'),
        import('./send/send-study.ts'),
        import('./route-dimse-logging.ts'),
      ]);
      routeDimseLogging(logger);
      const { files } = await findDicomFiles([dir]);
      const results = [];
      for (const batch of groupByStudy(files)) {
        let attempt = 0;
        for (;;) {
          attempt += 1;
          const result = await sendStudy(batch, { host: target.host, port: target.port, calledAeTitle: target.aeTitle, callingAeTitle: target.callingAeTitle ?? config.dimse.aeTitle });
          const unanswered = result.instances.every((i) => i.status === null);
          if (!(result.error && unanswered) || attempt >= config.pipeline.retry.attempts) {
            results.push({ ...result, attempts: attempt });
            break;
          }
          logger.warn({ StudyInstanceUID: batch.StudyInstanceUID, attempt, reason: result.error }, 'dimse send: retrying');
          await new Promise((resolve) => setTimeout(resolve, Math.min(config.pipeline.retry.maxDelayMs, config.pipeline.retry.baseDelayMs * 2 ** (attempt - 1))));
        }
      }
      const failed = results.reduce((sum, r) => sum + r.failed, 0);
      logger.info({ key, peer: `${target.aeTitle}@${target.host}:${target.port}`, instances: files.length, failed }, 'dimse send: study sent');
      res.status(failed === 0 && files.length > 0 ? 200 : 502).json({ key, peer: target, instances: files.length, failed, studies: results });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  return router;
}

/** The study's files, from the descriptor's GET /studies/<key> and /studies/<key>/files/<…>. */
async function fetchStudyFiles(config: GatewayConfig, key: string, dir: string): Promise<void> {
  const headers = internalAuth(config.internalToken);
  const call = async (pathname: string): Promise<globalThis.Response> => {
    try {
      return await fetch(new URL(pathname, config.descriptorUrl), { headers, signal: AbortSignal.timeout(config.pipeline.requestTimeoutMs) });
    } catch (error) {
      throw new AppError('DOWNSTREAM_UNAVAILABLE', 'The descriptor is unreachable', { service: 'descriptor' }, { cause: error });
    }
  };
  const listing = await call(`/studies/${encodeURIComponent(key)}`);
  if (listing.status === 404) throw new AppError('STUDY_NOT_FOUND');
  if (!listing.ok) throw new AppError('DOWNSTREAM_UNAVAILABLE', `The descriptor answered ${listing.status}`, { service: 'descriptor' });
  const study = (await listing.json()) as { files: { href: string | null }[] };
  let n = 0;
  for (const file of study.files) {
    if (!file.href) continue;
    const answer = await call(file.href);
    if (!answer.ok || !answer.body) throw new AppError('DOWNSTREAM_UNAVAILABLE', `The descriptor answered ${answer.status} for a file`, { service: 'descriptor' });
    n += 1;
    await pipeline(Readable.fromWeb(answer.body as WebReadableStream), createWriteStream(path.join(dir, `${String(n).padStart(5, '0')}.dcm`)));
  }
}
