import { AppError, isStudyId, PrepareRequestSchema, requireJson, type Logger } from '@dsv/common';
import express, { Router } from 'express';
import type { DescribeDeps } from '../domain/intake/describe-study.ts';
import { prepareDescription } from '../domain/intake/prepare-description.ts';
import { prepareStaged } from '../domain/intake/prepared-files.ts';

/**
 * POST /v1/studies/prepare, application/json `{ "studies": [{ studyId, files }, …] }`: staged files of
 * studies the validator is checking, their headers read and described now and kept for their study's
 * describe call (by reference), which then reads only what changed or was not named here. Answers 200
 * `{ prepared, skipped }`; a file that cannot be read is skipped, not refused: the describe call answers
 * for it. Nothing is written.
 */
export function studiesPrepareRouter(deps: DescribeDeps & { logger?: Logger | undefined }): Router {
  const router = Router();
  const json = requireJson('Send application/json: { "studies": [{ "studyId", "files" }, …] }');
  router.post('/v1/studies/prepare', json, express.json({ limit: '1mb' }), async (req, res) => {
    const { stagingDir } = deps.config;
    if (!stagingDir) throw new AppError('STAGED_FILE_UNAVAILABLE', 'This descriptor has no stagingDir: nothing can be prepared');
    const parsed = PrepareRequestSchema.safeParse(req.body);
    if (!parsed.success) throw new AppError('REQUEST_INVALID', 'The body is not { "studies": [{ "studyId", "files": ["0001.dcm", …] }, …] }');
    const { studies } = parsed.data;
    const answer = await prepareStaged(studies, stagingDir, (studyId, file, filePath) => prepareDescription(studyId, file, filePath, deps.config.limits, deps.prepared));
    // Ids and counts only; a study id that is not one was skipped.
    deps.logger?.info({ studyIds: studies.map((study) => study.studyId).filter(isStudyId), ...answer }, 'prepared');
    res.status(200).json(answer);
  });
  return router;
}
