import { AppError, DescribeRequestSchema, isStoredName, type DescribeRequest } from '@dsv/common';

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
  return checkDescribeRequest(json, studyId, maxFiles);
}

/** The same checks on a request already parsed from JSON (a request by reference is the whole body). */
export function checkDescribeRequest(json: unknown, studyId: string, maxFiles: number): DescribeRequest {
  const parsed = DescribeRequestSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
    throw new AppError('REQUEST_INVALID', 'The describe request does not follow the DescribeRequest contract', { issues });
  }
  const request = parsed.data;
  if (request.studyId !== studyId || request.report.studyId !== studyId) {
    throw new AppError('REQUEST_INVALID', 'The request is about another study than the URL names', { studyId });
  }
  if (request.files.length === 0) throw new AppError('UPLOAD_NO_FILES', 'The request lists no file');
  if (request.files.length > maxFiles) throw new AppError('UPLOAD_TOO_MANY_FILES', undefined, { limit: maxFiles });
  const names = new Set<string>();
  for (const { file } of request.files) {
    if (!isStoredName(file))
      throw new AppError('REQUEST_INVALID', 'A listed file name is not a stored name (NNNN.dcm)', { file: file.slice(0, 64) });
    if (names.has(file)) throw new AppError('REQUEST_INVALID', 'A file is listed twice', { file });
    names.add(file);
  }
  if (request.disposition === 'stored' && !request.report.valid) {
    throw new AppError('REQUEST_INVALID', 'A study whose report is not valid cannot be stored as valid');
  }
  return request;
}
