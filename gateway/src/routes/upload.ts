import { Router } from 'express';
import type { EventBus } from '@dsv/common';
import type { GatewayConfig } from '../config.ts';
import type { StatusStore } from '../domain/status-store.ts';
import type { StudyPipeline } from '../domain/study-pipeline.ts';
import { newDeliveryStatus } from '../domain/study-status.ts';
import { receiveUpload } from '../upload/receive-upload.ts';
import type { StagingFolders } from '../upload/staging-folders.ts';
import { answerTakenStudy, waitsForOutcome } from './present-status.ts';

export interface UploadRouteDeps {
  config: GatewayConfig;
  store: StatusStore;
  pipeline: StudyPipeline;
  events: EventBus;
  stagingFolders: StagingFolders;
}

/**
 * POST /upload: one delivery into the DICOM study its files name. Answers 202 as soon as the files are
 * on disk, and processes them in the background; with ?wait=true it answers when processing ends, with
 * the outcome's status code, and nothing is promised before that answer: a crash before it leaves
 * staged files without a status, which the next start removes (sweep-staging.ts), and a client that
 * sends again. Files sent again are a delivery of their own: the descriptor finds their
 * instances already stored (the status's join.duplicates) and keeps them once.
 */
export function uploadRouter(deps: UploadRouteDeps): Router {
  const router = Router();
  router.post('/upload', ...receiveUpload(deps.config, deps.stagingFolders), async (req, res, next) => {
    try {
      const staged = req.staged!;
      const status = newDeliveryStatus(staged.id, staged.files, req.correlationId);
      status.events.push(
        deps.events.publish(
          'study.uploaded',
          { studyId: staged.id, correlationId: req.correlationId },
          { files: staged.files.length, bytes: staged.totalBytes },
        ),
      );
      // With ?wait=true the upload is accepted by its final answer, as a C-STORE is (store-instance.ts):
      // 'received' is written with the final state, and the answer waits for that write.
      const waits = waitsForOutcome(req);
      await deps.store.create(status, { persist: !waits });
      const state = status.state;
      const done = waits ? deps.pipeline.submitHeld(staged.id) : deps.pipeline.submit(staged.id);
      await answerTakenStudy(req, res, { id: staged.id, state, done });
    } catch (error) {
      next(error);
    }
  });
  return router;
}
