import { AppError, isStudyId, type Logger, type PrepareAnswer } from '@dsv/common';
import { prepareStaged } from '../domain/prepared-files.ts';
import express, { Router } from 'express';
import type { DescribeDeps } from '../domain/describe-study.ts';
import { prepareDescription } from '../domain/prepare-description.ts';

/**
 * POST /v1/studies/prepare, application/json `{ "studies": [{ studyId, files }, …] }`: staged files of
 * uploads still arriving, their headers read and described now and kept for their study's describe
 * call (by reference), which then reads only what changed or was not named here. Answers 200
 * `{ prepared, skipped }`; a file that cannot be read is skipped, not refused: the describe call answers
 * for it. Nothing is written.
 */
export function studiesPrepareRouter(deps: DescribeDeps & { logger?: Logger | undefined }): Router {
  const router = Router();
  router.post('/v1/studies/prepare', express.json({ limit: '1mb' }), async (req, res) => {
    if (!req.is('application/json')) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send application/json: { "studies": [{ "studyId", "files" }, …] }');
    const answer: PrepareAnswer = await prepareStaged(req.body, deps.config.stagingDir, (studyId, file, filePath) =>
      prepareDescription(studyId, file, filePath, deps.config.limits, deps.prepared),
    );
    // Ids and counts only. The body was checked by prepareStaged; a study id that is not one was skipped.
    const studyIds = (req.body as { studies: Array<{ studyId: string }> }).studies.map((study) => study.studyId).filter(isStudyId);
    deps.logger?.info({ studyIds, ...answer }, 'prepared');
    res.status(200).json(answer);
  });
  return router;
}
