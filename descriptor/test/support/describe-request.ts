import type { DescribeRequest, Finding, ValidationReport } from '@dsv/common';

export interface UploadFile {
  /** The gateway's stored name, e.g. '0001.dcm'. */
  file: string;
  /** The file on disk to send. */
  source: string;
  clientName?: string;
}

/** A minimal valid report, as the validator would answer for a study without findings. */
export function validReport(studyId: string): ValidationReport {
  return { studyId, valid: true, outcome: null, instances: [], errors: [], warnings: [], events: [] };
}

/** A report of a study the validator refused with these findings. */
export function invalidReport(studyId: string, errors: Finding[], warnings: Finding[] = []): ValidationReport {
  return { studyId, valid: false, outcome: { code: 'STUDY_INVALID', httpStatus: 422 }, instances: [], errors, warnings, events: [] };
}

export function describeRequest(
  studyId: string,
  files: readonly UploadFile[],
  report: ValidationReport = validReport(studyId),
): DescribeRequest {
  return {
    studyId,
    disposition: report.valid ? 'stored' : 'rejected',
    receivedAt: '2026-01-02T03:04:05.000Z',
    files: files.map(({ file, source, clientName }) => ({ file, clientName: clientName ?? source.split('/').pop()! })),
    report,
  };
}

/** Stored names in the gateway's style for a list of source files: 0001.dcm, 0002.dcm, ... */
export function asUpload(sources: readonly string[]): UploadFile[] {
  return sources.map((source, index) => ({ file: `${String(index + 1).padStart(4, '0')}.dcm`, source }));
}
