import { describe, expect, it } from 'vitest';
import type { Finding } from '@dsv/common';
import { formatValidationLog } from '../../../src/domain/study/format-validation-log.ts';
import { invalidReport, validReport } from '../../support/describe-request.ts';

const STUDY_ID = '01JTESTSTUDY0000000000000A';
const files = [
  { file: '0001.dcm', clientName: 'CT_0001.dcm' },
  { file: '0002.dcm', clientName: 'CT_0002.dcm' },
];

const missingStudyUid: Finding = {
  severity: 'error',
  code: 'missing-type1',
  message: 'StudyInstanceUID (0020,000D) is required and absent',
  file: '0001.dcm',
  tag: '(0020,000D)',
  keyword: 'StudyInstanceUID',
};
const duplicate: Finding = {
  severity: 'error',
  code: 'duplicate-sop-instance',
  message: 'Two files share a SOP Instance UID',
  files: ['0001.dcm', '0002.dcm'],
};
const unknownSyntax: Finding = {
  severity: 'warning',
  code: 'unknown-transfer-syntax',
  message: 'Read as explicit VR little endian',
  file: '0002.dcm',
};

function log(report = invalidReport(STUDY_ID, [missingStudyUid, duplicate], [unknownSyntax])): string[] {
  return formatValidationLog({
    studyId: STUDY_ID,
    createdAt: '2026-03-04T05:06:07.890Z',
    disposition: report.valid ? 'stored' : 'rejected',
    report,
    files,
  }).split('\n');
}

describe('formatValidationLog', () => {
  it('when the delivery was rejected, then the header gives delivery id, time, verdict, outcome and file count', () => {
    const lines = log();
    expect(lines.slice(0, 5)).toEqual([
      `Delivery ${STUDY_ID}`,
      'Time:         2026-03-04T05:06:07.890Z',
      'Verdict:      INVALID (rejected)',
      'Outcome:      STUDY_INVALID (HTTP 422)',
      'Files:        2',
    ]);
  });

  it('when a finding names a file and a tag, then its line has severity, code, tag, keyword, stored and client name, message', () => {
    const line = log().find((l) => l.includes('missing-type1'))!;
    expect(line).toMatch(
      /^ERROR\s{3,}missing-type1\s{3,}\(0020,000D\) StudyInstanceUID\s{3,}0001\.dcm \(CT_0001\.dcm\)\s{3,}StudyInstanceUID \(0020,000D\) is required and absent$/,
    );
  });

  it('when there are errors and warnings, then errors come first, and the columns line up', () => {
    const findings = log().filter((l) => /^(ERROR|WARNING) /.test(l));
    expect(findings.map((l) => l.split(/\s+/)[0])).toEqual(['ERROR', 'ERROR', 'WARNING']);
    const codeColumn = findings.map((l) => l.search(/missing-type1|duplicate-sop-instance|unknown-transfer-syntax/));
    expect(new Set(codeColumn).size).toBe(1);
  });

  it('when a finding is about several files, then it names each of them', () => {
    expect(log().find((l) => l.includes('duplicate-sop-instance'))).toContain('0001.dcm (CT_0001.dcm), 0002.dcm (CT_0002.dcm)');
  });

  it('when the log ends, then a summary line counts errors, warnings and files', () => {
    expect(log().at(-2)).toBe('Summary: 2 errors, 1 warning in 2 files; verdict INVALID');
  });

  it('when the study is valid without findings, then it says so', () => {
    const lines = log(validReport(STUDY_ID));
    expect(lines).toContain('Verdict:      VALID (stored)');
    expect(lines).toContain('Outcome:      none');
    expect(lines).toContain('No findings.');
  });

  it('when a valid delivery joined its study, then a Joined line counts what it added, held already and kept in another encoding', () => {
    const report = validReport(STUDY_ID);
    const join = { added: 1, duplicates: ['1.2.3.4'], reencoded: [] };
    const lines = formatValidationLog({ studyId: STUDY_ID, createdAt: 't', disposition: 'stored', report, files, join }).split('\n');
    expect(lines[5]).toBe('Joined:       1 added, 1 already stored, 0 stored before in another transfer syntax (kept)');
    expect(log()).not.toContainEqual(expect.stringMatching(/^Joined:/));
  });

  it('when the study refused a valid delivery, then the outcome is the refusal code', () => {
    const refusal = { code: 'INSTANCE_CONFLICT' as const, message: 'conflict' };
    const lines = formatValidationLog({
      studyId: STUDY_ID,
      createdAt: 't',
      disposition: 'rejected',
      report: invalidReport(STUDY_ID, [missingStudyUid]),
      files,
      refusal,
    }).split('\n');
    expect(lines[3]).toBe('Outcome:      INSTANCE_CONFLICT');
  });

  it('when a client file name holds a line break, then the finding still takes one line', () => {
    const report = invalidReport(STUDY_ID, [missingStudyUid]);
    const text = formatValidationLog({
      studyId: STUDY_ID,
      createdAt: 't',
      disposition: 'rejected',
      report,
      files: [{ file: '0001.dcm', clientName: 'a\nERROR fake' }],
    });
    expect(text.split('\n').filter((l) => l.startsWith('ERROR'))).toHaveLength(1);
  });
});
