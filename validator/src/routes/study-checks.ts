import { requireJson, StudyChecksRequestSchema, type StudyChecksResult, sendJson } from '@dsv/common';
import express, { Router } from 'express';
import { applySeverity } from '../domain/apply-severity.ts';
import { checkStudyStructure } from '../domain/check-study-structure.ts';
import type { ValidationDeps } from './report-validation.ts';

/**
 * A study of many thousands of instances: a summary is a few hundred bytes of JSON, so 64 MiB holds
 * about 100,000 of them.
 */
const MAX_BODY = '64mb';

/**
 * POST /v1/study-checks, application/json `{ "instances": [InstanceSummary, …] }`: the checks that need
 * the whole DICOM study (one patient, one modality per series, series whole and evenly spaced), run by
 * the gateway when the study goes stable, over every instance the descriptor holds for it. Answers 200
 * `{ errors, warnings }` with the severities of the config applied, as a delivery's report has them;
 * 400 REQUEST_INVALID for a body that is not such a list.
 */
export function studyChecksRouter(deps: ValidationDeps): Router {
  const router = Router();
  const json = requireJson('Send application/json: { "instances": [InstanceSummary, …] }');
  router.post('/v1/study-checks', json, express.json({ limit: MAX_BODY }), (req, res) => {
    const { instances } = StudyChecksRequestSchema.parse(req.body);
    const answer: StudyChecksResult = applySeverity(checkStudyStructure(instances), deps.config.severity);
    // Counts only: findings can quote values, and values can be patient data.
    deps.logger.info(
      { correlationId: req.correlationId, instances: instances.length, errors: answer.errors.length, warnings: answer.warnings.length },
      'study checked',
    );
    sendJson(res, 200, answer);
  });
  return router;
}
