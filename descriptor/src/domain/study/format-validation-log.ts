import type { DescribeRequest, Finding, Join, Refusal } from '@dsv/common';

export interface ValidationLogInput {
  studyId: string;
  /** ISO 8601, when the descriptor stored the study. */
  createdAt: string;
  disposition: DescribeRequest['disposition'];
  report: DescribeRequest['report'];
  files: DescribeRequest['files'];
  /** What joining the stored study did with the delivery's instances. */
  join?: Join;
  /** Why the stored study refused a delivery the validator passed. */
  refusal?: Refusal;
}

/** Study-level findings can name hundreds of files: the log names a few and counts the rest. */
const MAX_FILES_PER_LINE = 5;

/**
 * The validation.log of a study, for a person to read: a header, one aligned line per finding (errors,
 * then warnings), a summary. It names files, tags, codes and UIDs, never a patient: findings carry no
 * data set values except in their message, which the validator writes without patient data.
 */
export function formatValidationLog(input: ValidationLogInput): string {
  const { report } = input;
  const clientNames = new Map(input.files.map((entry) => [entry.file, entry.clientName]));
  const outcome = input.refusal
    ? input.refusal.code
    : report.outcome
      ? `${report.outcome.code} (HTTP ${report.outcome.httpStatus})`
      : 'none';
  const { join } = input;
  const lines = [
    `Delivery ${input.studyId}`,
    `Time:         ${input.createdAt}`,
    `Verdict:      ${report.valid ? 'VALID' : 'INVALID'} (${input.disposition})`,
    `Outcome:      ${outcome}`,
    `Files:        ${input.files.length}`,
    ...(join
      ? [
          `Joined:       ${join.added} added, ${join.duplicates.length} already stored, ${join.reencoded.length} stored before in another transfer syntax (kept)`,
        ]
      : []),
    '',
    ...findingLines(report, clientNames),
    '',
    `Summary: ${count(report.errors.length, 'error')}, ${count(report.warnings.length, 'warning')} in ${count(input.files.length, 'file')}; verdict ${report.valid ? 'VALID' : 'INVALID'}`,
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * The section a study gets when it goes stable: the findings of the checks that need the whole study
 * (instance numbers, slice spacing, one patient and modality per series).
 */
export function formatStudyChecks(input: {
  StudyInstanceUID: string;
  stableAt: string;
  instances: number;
  errors: readonly Finding[];
  warnings: readonly Finding[];
}): string {
  const lines = [
    `Study-level checks of ${input.StudyInstanceUID}`,
    `Time:         ${input.stableAt}`,
    `Instances:    ${input.instances}`,
    '',
    ...findingLines(input, new Map()),
    '',
    `Summary: ${count(input.errors.length, 'error')}, ${count(input.warnings.length, 'warning')} over the whole study`,
  ];
  return `${lines.join('\n')}\n`;
}

/** One aligned line per finding, errors first; a line saying there are none. */
function findingLines(
  findings: { errors: readonly Finding[]; warnings: readonly Finding[] },
  clientNames: ReadonlyMap<string, string>,
): string[] {
  const rows = [
    ...findings.errors.map((finding) => findingColumns('ERROR', finding, clientNames)),
    ...findings.warnings.map((finding) => findingColumns('WARNING', finding, clientNames)),
  ];
  return rows.length === 0 ? ['No findings.'] : alignColumns(rows);
}

function findingColumns(severity: string, finding: Finding, clientNames: ReadonlyMap<string, string>): string[] {
  const where = [finding.tag, finding.path ?? finding.keyword].filter(Boolean).join(' ') || '-';
  return [severity, finding.code, where, describeFiles(finding, clientNames), oneLine(finding.message)];
}

function describeFiles(finding: Finding, clientNames: ReadonlyMap<string, string>): string {
  const files = finding.files ?? (finding.file ? [finding.file] : []);
  if (files.length === 0) return '(study)';
  const named = files.slice(0, MAX_FILES_PER_LINE).map((file) => {
    const clientName = clientNames.get(file);
    return clientName && clientName !== file ? `${file} (${oneLine(clientName)})` : file;
  });
  const rest = files.length - named.length;
  return rest > 0 ? `${named.join(', ')} and ${rest} more` : named.join(', ');
}

/** Pads every column but the last to its widest cell, three spaces apart. */
function alignColumns(rows: readonly string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) =>
    row
      .map((cell, column) => (column < row.length - 1 ? cell.padEnd(widths[column]! + 3) : cell))
      .join('')
      .trimEnd(),
  );
}

/** A client's file name or a message must not break the one-line-per-finding layout. */
function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
