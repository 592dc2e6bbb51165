import { type EventBus, type LifecycleEvent, type Logger, type ValidationReport } from '@dsv/common';
import type { ValidatorConfig } from '../config.ts';
import type { FileValidation } from '../domain/validate-file.ts';
import { validateUpload, type UploadVerdict } from '../domain/validate-upload.ts';

export interface ValidationDeps {
  config: ValidatorConfig;
  logger: Logger;
  events: EventBus;
}

/** One study being validated: whose it is, and how its files came (for the log only). */
export interface StudyContext {
  studyId: string;
  correlationId: string;
  transport: 'reference' | 'stream';
  /** The number of studies in the batch this one came in, when it came in one. */
  batch?: number;
}

/**
 * The end every validation shares, whatever brought the files: the study's verdict, its lifecycle
 * event and its (debug) log line, as one ValidationReport.
 */
export function reportValidation(files: readonly FileValidation[], context: StudyContext, deps: ValidationDeps): ValidationReport {
  const { studyId, correlationId } = context;
  const verdict = validateUpload(files, deps.config.severity);
  const event = publishVerdict(deps.events, { studyId, correlationId }, verdict);
  // Ids and codes only: findings can quote values, and values can be patient data. At debug: the event
  // above, logged at info, says the same of the delivery; this adds how its files came.
  deps.logger.debug(
    {
      studyId,
      correlationId,
      transport: context.transport,
      ...(context.batch === undefined ? {} : { batch: context.batch }),
      files: files.length,
      valid: verdict.valid,
      outcome: verdict.outcome?.code ?? null,
      errors: verdict.errors.length,
      warnings: verdict.warnings.length,
    },
    'validated',
  );
  return { studyId, ...verdict, events: [event] };
}

function publishVerdict(events: EventBus, context: { studyId: string; correlationId: string }, verdict: UploadVerdict): LifecycleEvent {
  const instances = verdict.instances.length;
  const warnings = verdict.warnings.length;
  if (verdict.valid) return events.publish('validation.success', context, { instances, errors: 0, warnings });
  const codes = [...new Set(verdict.errors.map((finding) => finding.code))];
  return events.publish('validation.failed', context, { instances, errors: verdict.errors.length, warnings, codes });
}
