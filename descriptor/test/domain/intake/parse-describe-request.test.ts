import { describe, expect, it } from 'vitest';
import { parseDescribeRequest } from '../../../src/domain/intake/parse-describe-request.ts';
import { describeRequest, invalidReport } from '../../support/describe-request.ts';

const ID = '01JTESTSTVDY0000000000000A';
const one = [{ file: '0001.dcm', source: 'a.dcm' }];

function refusal(value: unknown, maxFiles = 10): unknown {
  try {
    parseDescribeRequest(typeof value === 'string' ? value : JSON.stringify(value), maxFiles);
  } catch (error) {
    return error;
  }
  throw new Error('accepted');
}

describe('parseDescribeRequest', () => {
  it('when the request is well formed, then it is returned as parsed', () => {
    const request = describeRequest(ID, one);
    expect(parseDescribeRequest(JSON.stringify(request), 10)).toEqual(request);
  });

  it('when the field is not JSON, then REQUEST_INVALID', () => {
    expect(refusal('{not json')).toMatchObject({ code: 'REQUEST_INVALID' });
  });

  it('when the JSON breaks the contract, then REQUEST_INVALID names the path', () => {
    const error = refusal({ ...describeRequest(ID, one), disposition: 'archived' }) as {
      code: string;
      details: { issues: { path: string }[] };
    };
    expect(error.code).toBe('REQUEST_INVALID');
    expect(error.details.issues.map((issue) => issue.path)).toContain('disposition');
  });

  it('when the report is about another delivery than the request, then REQUEST_INVALID', () => {
    const request = describeRequest(ID, one);
    expect(refusal({ ...request, report: { ...request.report, studyId: '01JTESTSTVDY0000000000000B' } })).toMatchObject({
      code: 'REQUEST_INVALID',
    });
  });

  it.each([['../../etc'], ['01JTESTSTUDY0000000000000A'], ['']])('when the delivery id is %j, then STUDY_ID_INVALID', (id) => {
    expect(refusal(describeRequest(id, one))).toMatchObject({ code: 'STUDY_ID_INVALID' });
  });

  it.each([['../0001.dcm'], ['1.dcm'], ['0001.DCM'], ['0001234.dcm']])('when a listed name is %j, then REQUEST_INVALID', (file) => {
    expect(refusal(describeRequest(ID, [{ file, source: 'a.dcm' }]))).toMatchObject({ code: 'REQUEST_INVALID' });
  });

  it('when a file is listed twice, then REQUEST_INVALID', () => {
    expect(refusal(describeRequest(ID, [...one, ...one]))).toMatchObject({ code: 'REQUEST_INVALID' });
  });

  it('when no file is listed, then UPLOAD_NO_FILES; when more than the limit, then UPLOAD_TOO_MANY_FILES', () => {
    expect(refusal(describeRequest(ID, []))).toMatchObject({ code: 'UPLOAD_NO_FILES' });
    expect(refusal(describeRequest(ID, [...one, { file: '0002.dcm', source: 'b.dcm' }]), 1)).toMatchObject({
      code: 'UPLOAD_TOO_MANY_FILES',
    });
  });

  it('when a study with an invalid report is to be stored as valid, then REQUEST_INVALID', () => {
    const request = { ...describeRequest(ID, one, invalidReport(ID, [])), disposition: 'stored' };
    expect(refusal(request)).toMatchObject({ code: 'REQUEST_INVALID' });
  });
});
