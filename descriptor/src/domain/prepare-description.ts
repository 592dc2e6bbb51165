import { closeSync, constants, fstatSync, openSync } from 'node:fs';
import { inspectFd, type InspectOptions } from '@dsv/common';
import { describeHeader, type DescribeFileOptions, type HeaderDescription } from './compose-study.ts';
import { storedPath } from './plan-layout.ts';
import { fileIdentity, type PreparedFiles } from './prepared-files.ts';

/** Files in a study of this many are stored by UID: the layout a prepared description assumes. */
export const PREPARED_LAYOUT_FILES = 2;

/** What a description made ahead holds: the study-level sections, and the DICOM JSON of `originals/<UID>.dcm`. */
const AHEAD: DescribeFileOptions = { withSections: true, storedPath: (uid) => storedPath(PREPARED_LAYOUT_FILES, uid) };

/**
 * POST /v1/studies/prepare, one file: reads its header ahead of its study's describe call and keeps the
 * description, under the identity the file had before it was read.
 */
export async function prepareDescription(
  studyId: string,
  file: string,
  filePath: string,
  options: InspectOptions,
  prepared: PreparedFiles<HeaderDescription>,
): Promise<boolean> {
  // O_NOFOLLOW: a staged file is a file the gateway wrote, never a link planted to read something else.
  const fd = openSync(filePath, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const identity = fileIdentity(fstatSync(fd));
    prepared.put(studyId, file, identity, describeHeader(await inspectFd(fd, options), AHEAD));
    return true;
  } finally {
    closeSync(fd);
  }
}
