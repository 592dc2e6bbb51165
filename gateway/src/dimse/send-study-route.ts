import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { AppError, isStudyId, isValidUid, port, type Logger } from '@dsv/common';
import express, { Router } from 'express';
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import { internalAuth, type ServiceAgent } from '../clients/service-call.ts';
import type { GatewayConfig } from '../config.ts';
import { aeTitle } from './dimse-config.ts';
import { withSendFolder } from './send/send-folder.ts';

const SendRequestSchema = z.strictObject({
  host: z.string().min(1).max(255),
  port: port.refine((value) => value > 0, 'a port from 1 to 65535'),
  aeTitle,
  callingAeTitle: aeTitle.optional(),
});

/**
 * POST /studies/<key>/send { host, port, aeTitle, callingAeTitle? }: sends a stored study on to a DICOM
 * peer (C-STORE), the simplest router. The study's files are fetched from the descriptor into a folder
 * of the staging area (`.send-*`), sent on one association (retried, with the pipeline's backoff, while
 * the association itself fails), and removed however the send ends. Answers when done: 200 when every
 * instance was stored by the peer (success or warning), 502 otherwise, with what each instance was
 * answered and why it failed. `descriptor`: the pool of connections to the descriptor.
 */
export function sendStudyRouter(config: GatewayConfig, logger: Logger, descriptor: ServiceAgent): Router {
  const router = Router();
  router.post('/studies/:key/send', express.json({ limit: '16kb' }), async (req, res) => {
    const key = req.params.key;
    if (!(isStudyId(key) || isValidUid(key))) throw new AppError('STUDY_ID_INVALID');
    const parsed = SendRequestSchema.safeParse(req.body);
    if (!parsed.success)
      throw new AppError('REQUEST_INVALID', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const target = parsed.data;
    const onLeft = (dir: string, error: unknown) =>
      logger.warn({ key, dir, err: error }, 'dimse send: staging folder left for the start-up sweep');
    // The answer goes once the folder is gone: a client that looks at the staging area then finds it clean.
    const answer = await withSendFolder(
      config.stagingDir,
      async (dir) => {
        await fetchStudyFiles(config, descriptor, key, dir);
        // Loaded on first use, like the receiver: dcmjs-dimse is heavy.
        const { sendFolderWithRetries } = await import('./send/send-with-retries.ts');
        const { files, results } = await sendFolderWithRetries(dir, {
          target: {
            host: target.host,
            port: target.port,
            calledAeTitle: target.aeTitle,
            callingAeTitle: target.callingAeTitle ?? config.dimse.aeTitle,
          },
          retry: config.pipeline.retry,
          logger,
        });
        const failed = results.reduce((sum, r) => sum + r.failed, 0);
        logger.info(
          { key, peer: `${target.aeTitle}@${target.host}:${target.port}`, instances: files.length, failed },
          'dimse send: study sent',
        );
        return {
          status: failed === 0 && files.length > 0 ? 200 : 502,
          body: { key, peer: target, instances: files.length, failed, studies: results },
        };
      },
      onLeft,
    );
    res.status(answer.status).json(answer.body);
  });
  return router;
}

/** The study's files, from the descriptor's GET /studies/<key> and /studies/<key>/files/<…>. */
async function fetchStudyFiles(config: GatewayConfig, descriptor: ServiceAgent, key: string, dir: string): Promise<void> {
  const headers = internalAuth(config.internalToken);
  // The time limit covers each whole answer, its body included.
  const call = async (pathname: string): Promise<Dispatcher.ResponseData> => {
    const url = new URL(pathname, config.descriptorUrl);
    try {
      return await descriptor.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: 'GET',
        headers,
        signal: AbortSignal.timeout(config.pipeline.requestTimeoutMs),
      });
    } catch (error) {
      throw new AppError('DOWNSTREAM_UNAVAILABLE', 'The descriptor is unreachable', { service: 'descriptor' }, { cause: error });
    }
  };
  const listing = await call(`/studies/${encodeURIComponent(key)}`);
  if (!isSuccess(listing.statusCode)) {
    await listing.body.dump().catch(() => undefined);
    if (listing.statusCode === 404) throw new AppError('STUDY_NOT_FOUND');
    throw new AppError('DOWNSTREAM_UNAVAILABLE', `The descriptor answered ${listing.statusCode}`, { service: 'descriptor' });
  }
  const study = (await listing.body.json()) as { files: { href: string | null }[] };
  let n = 0;
  for (const file of study.files) {
    if (!file.href) continue;
    const answer = await call(file.href);
    if (!isSuccess(answer.statusCode)) {
      await answer.body.dump().catch(() => undefined);
      throw new AppError('DOWNSTREAM_UNAVAILABLE', `The descriptor answered ${answer.statusCode} for a file`, { service: 'descriptor' });
    }
    n += 1;
    await pipeline(answer.body, createWriteStream(path.join(dir, `${String(n).padStart(5, '0')}.dcm`)));
  }
}

function isSuccess(status: number): boolean {
  return status >= 200 && status <= 299;
}
