import { AppError, Headers, isStudyId, sendJson } from '@dsv/common';
import express, { Router, type Request } from 'express';
import { inspectUpload } from './inspect-upload.ts';
import { reportValidation, type StudyContext, type ValidationDeps } from './report-validation.ts';
import { validateStaged } from './validate-staged.ts';

/**
 * POST /v1/validations, headers x-study-id (a ULID) and x-correlation-id, with either
 * - multipart/form-data: file parts in the field "files" named by the gateway ('0001.dcm'), or
 * - application/json `{ "files": ["0001.dcm", …] }`: the files by reference, read from the gateway's
 *   staging folder (stagingDir) when this service shares its disk.
 * Answers 200 with a ValidationReport whether the study is valid or not: a finding is an answer, not a
 * failure of the request.
 */
export function validationsRouter(deps: ValidationDeps): Router {
  const router = Router();
  // 5000 names of 8 bytes in JSON fit in well under 1 MB.
  router.post('/v1/validations', express.json({ limit: '1mb' }), async (req, res) => {
    const byReference = Boolean(req.is('application/json'));
    if (!byReference && !req.is('multipart/form-data')) throw new AppError('UNSUPPORTED_MEDIA_TYPE');
    const studyId = req.get(Headers.studyId);
    if (!isStudyId(studyId)) throw new AppError('STUDY_ID_INVALID', 'The header x-study-id must hold a study id (a ULID)');
    const context = { studyId, correlationId: req.correlationId };
    const report = byReference
      ? await validateStaged(req.body, context, deps)
      : await validateStreamed(req, { ...context, transport: 'stream' }, deps);
    sendJson(res, 200, report);
  });
  return router;
}

async function validateStreamed(req: Request, context: StudyContext, deps: ValidationDeps) {
  const files = await inspectUpload(req, deps.config);
  if (files.length === 0) throw new AppError('UPLOAD_NO_FILES', 'The upload holds no file part (field "files")');
  return reportValidation(files, context, deps);
}
