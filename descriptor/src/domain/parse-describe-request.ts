import { AppError, DescribeRequestSchema, type DescribeRequest } from '@dsv/common';

/** The gateway's stored names: four to six digits and '.dcm'. Anything else never becomes a path. */
export const STORED_NAME = /^[0-9]{4,6}\.dcm$/;

/**
 * Reads the `request` part: JSON, in the shape of the contract, about the study in the URL, naming each
 * file once by a stored name. A study the validator did not pass is never stored as valid.
 */
export function parseDescribeRequest(value: string, studyId: string, maxFiles: number): DescribeRequest {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    throw new AppError('REQUEST_INVALID', 'The field "request" is not JSON');
  }
  const parsed = DescribeRequestSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
    throw new AppError('REQUEST_INVALID', 'The field "request" does not follow the DescribeRequest contract', { issues });
  }
  const request = parsed.data;
  if (request.studyId !== studyId || request.report.studyId !== studyId) {
    throw new AppError('REQUEST_INVALID', 'The request is about another study than the URL names', { studyId });
  }
  if (request.files.length === 0) throw new AppError('UPLOAD_NO_FILES', 'The request lists no file');
  if (request.files.length > maxFiles) throw new AppError('UPLOAD_TOO_MANY_FILES', undefined, { limit: maxFiles });
  const names = new Set<string>();
  for (const { file } of request.files) {
    if (!STORED_NAME.test(file)) throw new AppError('REQUEST_INVALID', 'A listed file name is not a stored name (NNNN.dcm)', { file: file.slice(0, 64) });
    if (names.has(file)) throw new AppError('REQUEST_INVALID', 'A file is listed twice', { file });
    names.add(file);
  }
  if (request.disposition === 'stored' && !request.report.valid) {
    throw new AppError('REQUEST_INVALID', 'A study whose report is not valid cannot be stored as valid');
  }
  return request;
}
