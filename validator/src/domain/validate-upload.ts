import { outcomeForErrors, type Finding, type InstanceSummary, type ValidationReport } from '@dsv/common';
import { applySeverity, type SeverityOverrides } from './apply-severity.ts';
import { checkStudyStructure } from './check-study-structure.ts';
import type { FileValidation } from './validate-file.ts';

/** A report without the parts the route adds (the study id and the events it publishes). */
export type UploadVerdict = Omit<ValidationReport, 'studyId' | 'events'>;

/**
 * The verdict on one upload: each file's findings, then the study-level ones across files. An upload is
 * valid when no finding is an error; the outcome says which kind of error matters most.
 */
export function validateUpload(files: readonly FileValidation[], overrides: SeverityOverrides): UploadVerdict {
  const instances: InstanceSummary[] = files.map((file) => file.instance);
  const all: Finding[] = [...files.flatMap((file) => [...file.errors, ...file.warnings]), ...checkStudyStructure(instances)];
  const { errors, warnings } = applySeverity(all, overrides);
  return {
    valid: errors.length === 0,
    outcome: outcomeForErrors(unique(errors.map((finding) => finding.code))),
    instances,
    errors,
    warnings,
  };
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
