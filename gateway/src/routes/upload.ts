import { Router } from 'express';
import type { EventBus } from '@dsv/common';
import type { GatewayConfig } from '../config.ts';
import type { StatusStore } from '../domain/status-store.ts';
import type { StudyPipeline } from '../domain/study-pipeline.ts';
import type { StudyStatus } from '../domain/study-status.ts';
import { receiveUpload } from '../upload/receive-upload.ts';
import { presentStatus } from './present-status.ts';

export interface UploadRouteDeps {
  config: GatewayConfig;
  store: StatusStore;
  pipeline: StudyPipeline;
  events: EventBus;
}

/**
 * POST /upload: answers 202 as soon as the files are on disk, and processes them in the background;
 * with ?wait=true it answers when processing ends, with the outcome's status code.
 */
export function uploadRouter(deps: UploadRouteDeps): Router {
  const router = Router();
  router.post('/upload', ...receiveUpload(deps.config), async (req, res, next) => {
    try {
      const staged = req.staged!;
      const now = new Date().toISOString();
      const status: StudyStatus = {
        id: staged.id,
        state: 'received',
        outcome: null,
        upload: { files: staged.files, bytes: staged.totalBytes },
        study: null,
        findings: { errors: 0, warnings: 0, firstErrors: [] },
        events: [],
        paths: null,
        attempts: 0,
        correlationId: req.correlationId,
        createdAt: now,
        updatedAt: now,
      };
      status.events.push(
        deps.events.publish('study.uploaded', { studyId: staged.id, correlationId: req.correlationId }, { files: staged.files.length, bytes: staged.totalBytes }),
      );
      await deps.store.create(status);
      const acceptedState = status.state;
      const done = deps.pipeline.submit(staged.id);
      const statusUrl = `/status/${staged.id}`;
      res.setHeader('Location', statusUrl);
      if (req.query.wait === 'true') {
        const final = await done;
        res.status(final.outcome?.httpStatus ?? 500).json(presentStatus(final));
        return;
      }
      done.catch(() => undefined);
      res.status(202).json({ id: staged.id, state: acceptedState, statusUrl });
    } catch (error) {
      next(error);
    }
  });
  return router;
}
