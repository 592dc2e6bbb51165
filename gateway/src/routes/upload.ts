import { Router, type Request, type Response } from 'express';
import type { EventBus, Logger } from '@dsv/common';
import type { GatewayConfig } from '../config.ts';
import type { StatusStore } from '../domain/status-store.ts';
import type { StudyPipeline } from '../domain/study-pipeline.ts';
import { TerminalStates, type StudyStatus } from '../domain/study-status.ts';
import { uploadIdentity, type UploadIndex } from '../domain/upload-index.ts';
import { discard, receiveUpload } from '../upload/receive-upload.ts';
import type { SpareFolders } from '../upload/spare-folders.ts';
import { answerTakenStudy } from './present-status.ts';

export interface UploadRouteDeps {
  config: GatewayConfig;
  store: StatusStore;
  pipeline: StudyPipeline;
  events: EventBus;
  uploads: UploadIndex;
  logger: Logger;
  spares: SpareFolders;
}

/**
 * POST /upload: answers 202 as soon as the files are on disk, and processes them in the background;
 * with ?wait=true it answers when processing ends, with the outcome's status code. Files byte-identical
 * to an upload received before are answered with that study (200, `duplicateOf`), and not kept.
 */
export function uploadRouter(deps: UploadRouteDeps): Router {
  const router = Router();
  router.post('/upload', ...receiveUpload(deps.config, deps.spares), async (req, res, next) => {
    try {
      const staged = req.staged!;
      const identity = uploadIdentity(staged.files);
      const existing = deps.uploads.claim(identity, staged.id);
      if (existing) {
        await answerDuplicate(req, res, existing, deps);
        return;
      }
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
      try {
        await deps.store.create(status);
      } catch (error) {
        deps.uploads.release(identity, staged.id);
        throw error;
      }
      const state = status.state;
      await answerTakenStudy(req, res, { id: staged.id, state, done: deps.pipeline.submit(staged.id) });
    } catch (error) {
      next(error);
    }
  });
  return router;
}

/**
 * The files are those of study `existing`: the new copy goes, and the answer is that study's. A failed
 * one runs again from its own staged files (202), as the client most likely sends again because of it;
 * any other answers 200 with its state. With ?wait=true the answer is the one the first upload got
 * (201 when stored, else the outcome's status), so a client that re-sends after losing its answer gets
 * the same one; `duplicateOf` tells the two apart.
 */
async function answerDuplicate(req: Request, res: Response, existing: string, deps: UploadRouteDeps): Promise<void> {
  await discard(req, deps.spares);
  const status = deps.store.get(existing)!;
  let state = status.state;
  let done: Promise<StudyStatus> | null = null;
  let rerun = false;
  if (state === 'failed' && !deps.pipeline.isRunning(existing)) {
    ({ state, done } = await deps.pipeline.retry(existing, 'reupload'));
    rerun = true;
  } else if (!TerminalStates.has(state)) {
    done = deps.pipeline.submit(existing);
  }
  deps.logger.info({ studyId: existing, requestId: req.requestId, rerun }, 'identical upload answered with its study');
  await answerTakenStudy(req, res, { id: existing, state, done: done ?? status, acceptedStatus: rerun ? 202 : 200, extra: { duplicateOf: existing } });
}
