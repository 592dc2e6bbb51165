import { AppError, Headers, isStudyId, type EventBus, type LifecycleEvent, type Logger, type ValidationReport } from '@dsv/common';
import express, { Router } from 'express';
import type { ValidatorConfig } from '../config.ts';
import { validateUpload, type UploadVerdict } from '../domain/validate-upload.ts';
import { inspectStaged } from './inspect-staged.ts';
import { inspectUpload } from './inspect-upload.ts';

export interface ValidationsRouteDeps {
  config: ValidatorConfig;
  logger: Logger;
  events: EventBus;
}

/**
 * POST /v1/validations, headers x-study-id (a ULID) and x-correlation-id, with either
 * - multipart/form-data: file parts in the field "files" named by the gateway ('0001.dcm'), or
 * - application/json `{ "files": ["0001.dcm", …] }`: the files by reference, read from the gateway's
 *   staging folder (stagingDir) when this service shares its disk.
 * Answers 200 with a ValidationReport whether the study is valid or not: a finding is an answer, not a
 * failure of the request.
 */
export function validationsRouter(deps: ValidationsRouteDeps): Router {
  const router = Router();
  // 5000 names of 8 bytes in JSON fit in well under 1 MB.
  router.post('/v1/validations', express.json({ limit: '1mb' }), async (req, res) => {
    const byReference = Boolean(req.is('application/json'));
    if (!byReference && !req.is('multipart/form-data')) throw new AppError('UNSUPPORTED_MEDIA_TYPE');
    const studyId = req.get(Headers.studyId);
    if (!isStudyId(studyId)) throw new AppError('STUDY_ID_INVALID', 'The header x-study-id must hold a study id (a ULID)');
    const files = byReference ? await inspectStaged(req.body, studyId, deps.config) : await inspectUpload(req, deps.config);
    if (files.length === 0) throw new AppError('UPLOAD_NO_FILES', 'The upload holds no file part (field "files")');
    const verdict = validateUpload(files, deps.config.severity);
    const event = publishVerdict(deps.events, { studyId, correlationId: req.correlationId }, verdict);
    const report: ValidationReport = { studyId, ...verdict, events: [event] };
    // Ids and codes only: findings can quote values, and values can be patient data.
    deps.logger.info({
      studyId, correlationId: req.correlationId, transport: byReference ? 'reference' : 'stream', files: files.length, valid: verdict.valid, outcome: verdict.outcome?.code ?? null,
      errors: verdict.errors.length, warnings: verdict.warnings.length,
    }, 'validated');
    res.status(200).json(report);
  });
  return router;
}

function publishVerdict(events: EventBus, context: { studyId: string; correlationId: string }, verdict: UploadVerdict): LifecycleEvent {
  const instances = verdict.instances.length;
  const warnings = verdict.warnings.length;
  if (verdict.valid) return events.publish('validation.success', context, { instances, errors: 0, warnings });
  const codes = [...new Set(verdict.errors.map((finding) => finding.code))];
  return events.publish('validation.failed', context, { instances, errors: verdict.errors.length, warnings, codes });
}
