import { AppError, assertStudyId, DescribeRequestSchema, isStoredName, type DescribeRequest } from '@dsv/common';

/**
 * Reads the `request` part: JSON, in the shape of the contract, naming its delivery by a valid id and
 * each file once by a stored name. A study the validator did not pass is never stored as valid.
 */
export function parseDescribeRequest(value: string, maxFiles: number): DescribeRequest {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    throw new AppError('REQUEST_INVALID', 'The field "request" is not JSON');
  }
  return checkDescribeRequest(json, maxFiles);
}

/** The same checks on a request already parsed from JSON (a request by reference is an item of the body). */
export function checkDescribeRequest(json: unknown, maxFiles: number): DescribeRequest {
  const parsed = DescribeRequestSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
    throw new AppError('REQUEST_INVALID', 'The describe request does not follow the DescribeRequest contract', { issues });
  }
  const request = parsed.data;
  // The id names folders: it is checked before anything touches the disk.
  const studyId = assertStudyId(request.studyId);
  if (request.report.studyId !== studyId) {
    throw new AppError('REQUEST_INVALID', 'The report is about another delivery than the request', { studyId });
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
