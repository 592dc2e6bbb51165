import { assertStudyId } from '@dsv/common';
import { Router } from 'express';
import type { StudyPipeline } from '../domain/study-pipeline.ts';
import { answerTakenStudy } from './present-status.ts';

/**
 * POST /studies/<id>/retry: runs a failed study again from its staged files. 202 with { id, state,
 * statusUrl } (or, with ?wait=true, the final answer as POST /upload gives it); 404 STUDY_NOT_FOUND;
 * 409 STUDY_NOT_RETRYABLE when the study is not failed, is running again already, or lost its files.
 */
export function retryRouter(pipeline: StudyPipeline): Router {
  const router = Router();
  router.post('/studies/:id/retry', async (req, res) => {
    const id = assertStudyId(req.params.id);
    const { state, done } = await pipeline.retry(id);
    await answerTakenStudy(req, res, { id, state, done });
  });
  return router;
}
