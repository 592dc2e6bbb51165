import { AppError, isStudyId, type ValidationReport } from '@dsv/common';
import { inspectStaged } from './inspect-staged.ts';
import { reportValidation, type ValidationDeps } from './report-validation.ts';

/**
 * One study validated by reference: `{ files }` names its files in the gateway's staging folder. Shared
 * by POST /v1/validations and each study of POST /v1/validations/batch, so a study in a batch is answered
 * exactly as a call of its own would have been.
 */
export async function validateStaged(
  body: unknown,
  context: { studyId: string; correlationId: string; batch?: number },
  deps: ValidationDeps,
): Promise<ValidationReport> {
  // Checked first, before the staging folder or the body, as the single route checks its header.
  if (!isStudyId(context.studyId)) throw new AppError('STUDY_ID_INVALID', 'A study id must be a ULID');
  const files = await inspectStaged(body, context.studyId, deps.config);
  return reportValidation(files, { ...context, transport: 'reference' }, deps);
}
