import path from 'node:path';
import { AppError } from '../errors/app-error.ts';
import { isStudyId } from '../ids/study-id.ts';

/** The gateway's names for the files of an upload ('0001.dcm'): never a client's name, never a path. */
export const STORED_NAME = /^[0-9]{4,6}\.dcm$/;

export function isStoredName(name: string): boolean {
  return STORED_NAME.test(name);
}

/**
 * Where the gateway staged one file of an upload, for a service that shares the gateway's disk and is
 * sent the file by reference. Built only from a study id (a ULID) and a stored name, both checked here,
 * so nothing a caller sends can point outside the staging folder.
 */
export function stagedFilePath(stagingDir: string, studyId: string, file: string): string {
  if (!isStudyId(studyId)) throw new AppError('STUDY_ID_INVALID');
  if (!isStoredName(file))
    throw new AppError('REQUEST_INVALID', 'A file is not named like a stored file (e.g. 0001.dcm)', { pattern: STORED_NAME.source });
  return path.join(path.resolve(stagingDir), studyId, file);
}
