import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { newStudyId } from '@dsv/common';

/**
 * The prefix of the staging folders POST /studies/<key>/send fetches a study into: a dot keeps them apart
 * from the deliveries' folders (named by their ids), and the start-up sweep removes any a stop left.
 */
export const SEND_FOLDER_PREFIX = '.send-';

export function isSendFolder(name: string): boolean {
  return name.startsWith(SEND_FOLDER_PREFIX);
}

/**
 * Runs `work` with a new, empty `.send-*` folder of the staging area, and removes the folder however
 * `work` ends: resolved, thrown, or the peer gone mid-way. Only a process that stops before this returns
 * leaves one, or a removal that fails (`onLeft` is told), for the start-up sweep (sweepStaging).
 */
export async function withSendFolder<T>(
  stagingDir: string,
  work: (dir: string) => Promise<T>,
  onLeft: (dir: string, error: unknown) => void,
): Promise<T> {
  const dir = path.resolve(stagingDir, `${SEND_FOLDER_PREFIX}${newStudyId()}`);
  try {
    await mkdir(dir, { recursive: true });
    return await work(dir);
  } finally {
    // A folder that cannot be removed now must not turn a finished send into an error: the sweep has it.
    await rm(dir, { recursive: true, force: true }).catch((error: unknown) => onLeft(dir, error));
  }
}
