import { AppError, Headers, isStudyId, type ValidationReport } from '@dsv/common';
import type { Request } from 'express';
import { inspectUpload } from './inspect-upload.ts';
import { reportValidation, type ValidationDeps } from './report-validation.ts';

/** One delivery streamed as multipart/form-data under the study id of its x-study-id header. */
export async function validateStreamed(req: Request, deps: ValidationDeps): Promise<ValidationReport> {
  const studyId = req.get(Headers.studyId);
  if (!isStudyId(studyId)) throw new AppError('STUDY_ID_INVALID', 'The header x-study-id must hold a study id (a ULID)');
  const files = await inspectUpload(req, deps.config);
  if (files.length === 0) throw new AppError('UPLOAD_NO_FILES', 'The upload holds no file part (field "files")');
  return reportValidation(files, { studyId, correlationId: req.correlationId, transport: 'stream' }, deps);
}
