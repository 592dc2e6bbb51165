import { Router } from 'express';
import type { EventBus } from '@dsv/common';
import type { GatewayConfig } from '../config.ts';
import type { StatusStore } from '../domain/status-store.ts';
import type { StudyPipeline } from '../domain/study-pipeline.ts';
import { newDeliveryStatus } from '../domain/study-status.ts';
import { receiveUpload } from '../upload/receive-upload.ts';
import type { StagingFolders } from '../upload/staging-folders.ts';
import { answerTakenStudy } from './present-status.ts';

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
 * the outcome's status code. Files sent again are a delivery of their own: the descriptor finds their
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
      await deps.store.create(status);
      const state = status.state;
      await answerTakenStudy(req, res, { id: staged.id, state, done: deps.pipeline.submit(staged.id) });
    } catch (error) {
      next(error);
    }
  });
  return router;
}
