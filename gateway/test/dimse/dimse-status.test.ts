import { describe, expect, it } from 'vitest';
import { DimseStatus, DimseStatusOfCode, categoryOf, verdictOfCode, verdictOfDelivery } from '../../src/dimse/dimse-status.ts';
import { ErrorCodes } from '@dsv/common';

const finding = (code: string) => ({ code, severity: 'error', message: 'm' }) as never;

describe('DIMSE status of an outcome (PS3.4 §B.2.3)', () => {
  it('when the table is read, then every code it names is in the error table or ours, and failures are A7xx, A9xx or Cxxx', () => {
    for (const [code, status] of Object.entries(DimseStatusOfCode)) {
      expect(code in ErrorCodes || code === 'STORED' || code.startsWith('DIMSE_'), code).toBe(true);
      if (categoryOf(status) === 'failure') expect([0xa7, 0xa9, 0xc0]).toContain(status >> 8);
    }
  });

  it('when a delivery is stored without warnings, then Success with no comment; a duplicate is stored too', () => {
    const verdict = verdictOfDelivery({
      state: 'stored',
      outcome: { httpStatus: 201, code: 'STORED', message: '' },
      findings: { errors: 0, warnings: 0, firstErrors: [] },
    });
    expect(verdict).toEqual({ status: DimseStatus.Success, category: 'success', code: 'STORED', comment: '' });
  });

  it('when stored with warnings, then B007 (warning) counting them', () => {
    const verdict = verdictOfDelivery({
      state: 'stored',
      outcome: { httpStatus: 201, code: 'STORED', message: '' },
      findings: { errors: 0, warnings: 2, firstErrors: [] },
    });
    expect(verdict).toMatchObject({ status: 0xb007, category: 'warning', comment: 'STORED with 2 warnings' });
  });

  it('when rejected as invalid, then A900 and the comment names the first finding', () => {
    const verdict = verdictOfDelivery({
      state: 'rejected',
      outcome: { httpStatus: 422, code: 'STUDY_INVALID', message: '' },
      findings: { errors: 3, warnings: 0, firstErrors: [finding('missing-type1'), finding('bad-vr')] },
    });
    expect(verdict).toMatchObject({ status: 0xa900, category: 'failure', code: 'STUDY_INVALID', comment: 'STUDY_INVALID: missing-type1' });
  });

  it.each([
    ['NOT_DICOM', 0xc000],
    ['CORRUPT_DICOM', 0xc001],
    ['INCONSISTENT_PATIENT', 0xa910],
    ['INSTANCE_CONFLICT', 0xa911],
    ['DOWNSTREAM_UNAVAILABLE', 0xa700],
    ['STORAGE_FAILED', 0xa700],
    ['DIMSE_INSTANCE_TOO_LARGE', 0xa701],
    ['SOMETHING_NEW', 0xa700],
  ])('when the outcome is %s, then the status is %s', (code, status) => {
    expect(verdictOfCode(code)).toMatchObject({ status, category: 'failure', code, comment: code });
  });

  it('when the comment would be long or hold a backslash, then it is clipped to 64 characters of LO', () => {
    const verdict = verdictOfCode('STUDY_INVALID', `a\\b${'x'.repeat(100)}`);
    expect(verdict.comment).toHaveLength(64);
    expect(verdict.comment).not.toContain('\\');
  });

  it('when a delivery failed, then A700 (refused: out of resources)', () => {
    const verdict = verdictOfDelivery({
      state: 'failed',
      outcome: { httpStatus: 503, code: 'DOWNSTREAM_UNAVAILABLE', message: '' },
      findings: { errors: 0, warnings: 0, firstErrors: [] },
    });
    expect(verdict.status).toBe(0xa700);
  });
});
