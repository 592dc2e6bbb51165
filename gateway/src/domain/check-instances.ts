import { ErrorCodes, FindingCodes, type Finding, type InstanceSummary, type ValidationReport } from '@dsv/common';
import type { StagedFile } from '../upload/staging-storage.ts';
import type { InstanceConflict, Outcome } from './study-status.ts';

/** The upload's files with the SOP Instance UID and transfer syntax the validator read in each. */
export function withInstanceUids(files: readonly StagedFile[], instances: readonly InstanceSummary[]): StagedFile[] {
  const byFile = new Map(instances.map((i) => [i.file, i]));
  return files.map((file) => {
    const { SOPInstanceUID, TransferSyntaxUID } = byFile.get(file.file) ?? {};
    return {
      ...file,
      ...(SOPInstanceUID ? { SOPInstanceUID } : {}),
      ...(TransferSyntaxUID ? { TransferSyntaxUID } : {}),
    };
  });
}

/**
 * The validator's report with the conflicts added as findings: the validator sees one upload only, so
 * the gateway, which knows every stored instance, reports them. A 'changed' instance is an error (the
 * upload is rejected: kept under rejected/ with the reason, never stored beside the other version, never
 * dropped); a 're-encoded' one is a warning.
 */
export function reportWithConflicts(report: ValidationReport, conflicts: readonly InstanceConflict[]): ValidationReport {
  const finding = (conflict: InstanceConflict): Finding => {
    const code = conflict.kind === 'changed' ? 'sop-instance-conflict' : 'sop-instance-reencoded';
    const how = conflict.kind === 'changed' ? 'with other bytes in the same transfer syntax' : 'in another transfer syntax';
    return {
      severity: FindingCodes[code].severity,
      code,
      tag: '(0008,0018)',
      keyword: 'SOPInstanceUID',
      file: conflict.file,
      message: `SOP Instance UID ${conflict.SOPInstanceUID} is already stored, ${how}, by study ${conflict.heldBy}`,
    };
  };
  const findings = conflicts.map(finding);
  const errors = [...report.errors, ...findings.filter((f) => f.severity === 'error')];
  const warnings = [...report.warnings, ...findings.filter((f) => f.severity === 'warning')];
  return { ...report, valid: report.valid && errors.length === report.errors.length, errors, warnings };
}

export function conflictOutcome(conflicts: readonly InstanceConflict[]): Outcome {
  const changed = conflicts.filter((c) => c.kind === 'changed');
  const heldBy = [...new Set(changed.map((c) => c.heldBy))];
  return {
    httpStatus: ErrorCodes.INSTANCE_CONFLICT.status,
    code: 'INSTANCE_CONFLICT',
    message: `${changed.length} instance${changed.length === 1 ? ' is' : 's are'} already stored with other bytes by study ${heldBy.join(', ')}`,
    details: { conflicts: changed.length, heldBy },
  };
}
