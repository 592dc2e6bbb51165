import { closeSync, constants, fstatSync, openSync } from 'node:fs';
import { inspectFd, type InspectOptions } from '@dsv/common';
import { describeHeader, type DescribeFileOptions, type HeaderDescription } from './compose-study.ts';
import { fileIdentity, type PreparedFiles } from './prepared-files.ts';

/** What a description made ahead holds: the file's attributes and the study-level sections. */
const AHEAD: DescribeFileOptions = { withSections: true };

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
