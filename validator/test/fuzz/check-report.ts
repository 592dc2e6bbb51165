import { Readable } from 'node:stream';
import { inspectStream, isFindingCode, outcomeForErrors, type Finding } from '@dsv/common';
import { inspectOptions, type ValidatorConfig } from '../../src/config.ts';
import { validateFile } from '../../src/domain/validate-file.ts';
import { validateUpload, type UploadVerdict } from '../../src/domain/validate-upload.ts';

/** The bytes as a stream of `chunkSize` chunks, as a socket would deliver them. */
function chunked(bytes: Buffer, chunkSize: number): Readable {
  function* chunks(): Generator<Buffer> {
    for (let offset = 0; offset < bytes.length; offset += chunkSize) yield bytes.subarray(offset, offset + chunkSize);
  }
  return Readable.from(chunks(), { objectMode: false });
}

/** What the route does for one file, without HTTP: stream it through the inspector, validate it, then the upload. */
export async function validateDirect(bytes: Buffer, file: string, config: ValidatorConfig, chunkSize: number): Promise<UploadVerdict> {
  const inspection = await inspectStream(chunked(bytes, Math.max(1, chunkSize)), inspectOptions(config));
  return validateUpload([validateFile(inspection, file, config)], config.severity);
}

type VerdictLike = Pick<UploadVerdict, 'valid' | 'outcome' | 'errors' | 'warnings' | 'instances'>;

/**
 * What every answer must be, however bad the input: an outcome that is null exactly when the upload is
 * valid, else 400 or 422 with a code, the outcome the errors call for, findings from the catalog only,
 * one instance per file in order. Answers what is wrong, empty when nothing is.
 */
export function reportProblems(verdict: VerdictLike, files: readonly string[]): string[] {
  const problems: string[] = [];
  const { outcome, errors, warnings } = verdict;
  if (verdict.valid !== (outcome === null)) problems.push(`valid is ${verdict.valid} but outcome is ${JSON.stringify(outcome)}`);
  if (verdict.valid !== (errors.length === 0)) problems.push(`valid is ${verdict.valid} with ${errors.length} errors`);
  if (outcome !== null) {
    if (outcome.httpStatus !== 400 && outcome.httpStatus !== 422) problems.push(`outcome httpStatus ${String(outcome.httpStatus)}`);
    if (typeof outcome.code !== 'string' || outcome.code.length === 0) problems.push(`outcome without a code: ${JSON.stringify(outcome)}`);
  }
  const expected = outcomeForErrors([...new Set(errors.map((finding) => finding.code))]);
  if (JSON.stringify(expected) !== JSON.stringify(outcome))
    problems.push(`outcome ${JSON.stringify(outcome)}, the errors call for ${JSON.stringify(expected)}`);
  for (const [list, severity] of [
    [errors, 'error'],
    [warnings, 'warning'],
  ] as const) {
    for (const finding of list as readonly Finding[]) {
      if (!isFindingCode(finding.code)) problems.push(`finding code '${finding.code}' is not in the catalog`);
      if (finding.severity !== severity) problems.push(`a ${finding.severity} finding in the ${severity} list: ${finding.code}`);
      if (typeof finding.message !== 'string' || finding.message === '') problems.push(`finding ${finding.code} has no message`);
    }
  }
  const names = verdict.instances.map((instance) => instance.file);
  if (JSON.stringify(names) !== JSON.stringify(files))
    problems.push(`instances ${JSON.stringify(names)} for files ${JSON.stringify(files)}`);
  return problems;
}

/** A verdict's findings as comparable strings: code, severity, tag and file, sorted. */
export function findingKeys(verdict: Pick<UploadVerdict, 'errors' | 'warnings'>): string[] {
  return [...verdict.errors, ...verdict.warnings].map((f) => `${f.severity}:${f.code}:${f.tag ?? ''}:${f.file ?? ''}`).sort();
}
