import type { Finding } from '@dsv/common';
import type { UploadVerdict } from '../domain/validate-upload.ts';

/** One finding per line: severity, code, tag and keyword, file(s), message; columns for grep and eyes. */
export function formatFinding(finding: Finding): string {
  const where = [finding.tag, finding.path ?? finding.keyword].filter(Boolean).join(' ');
  const files = finding.file ?? finding.files?.join(',') ?? '';
  return [`${finding.severity.padEnd(7)} ${finding.code}`, where, files, finding.message].filter(Boolean).join('  ');
}

export function formatSummary(target: string, verdict: UploadVerdict): string {
  const files = verdict.instances.length;
  const state = verdict.valid ? 'valid' : `invalid (${verdict.outcome?.code ?? 'unknown'})`;
  return `${target}: ${files} file${files === 1 ? '' : 's'}, ${count(verdict.errors.length, 'error')}, ${count(verdict.warnings.length, 'warning')}: ${state}`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
