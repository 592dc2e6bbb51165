import { closeSync, constants, linkSync, openSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { AppError, fsyncFd, inspectFd, type InspectOptions } from '@dsv/common';
import type { ReceivedFile } from './receive-file.ts';

/** What the gateway says about a staged file: its size, and the sha256 it computed while staging it. */
export interface StagedFileFacts {
  file: string;
  sizeBytes: number;
  sha256: string;
}

/**
 * Places a file the gateway staged on this disk into the assembly folder without copying its bytes: a
 * hard link (the same inode; the gateway removes only its own name afterwards), or a copy when the two
 * folders are on different file systems. Then reads the header from it. A copy is flushed to disk, so the
 * folder rename that publishes the study cannot outrun its data; a link needs no flush of its own: the
 * gateway flushed the staged file before it accepted the upload, and the new name is made durable with
 * the assembly folder's flush. The sha256 is the gateway's: the
 * bytes are the very ones it hashed while writing them. Metadata calls are synchronous, fsync and any
 * copy are not (common's durable-fd.ts says why).
 */
export async function linkStagedFile(
  source: string,
  facts: StagedFileFacts,
  target: string,
  options: InspectOptions,
): Promise<ReceivedFile> {
  let copied = false;
  try {
    linkSync(source, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new AppError('STAGED_FILE_UNAVAILABLE', undefined, { file: facts.file });
    // EXDEV: another file system; EPERM/ENOTSUP: one without hard links.
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOTSUP') throw error;
    await copyFile(source, target, constants.COPYFILE_EXCL);
    copied = true;
  }
  return readStagedFile(target, facts, options, copied);
}

/**
 * Reads the header of a staged file where it is (or of its link or copy, `path`). A symbolic link is never
 * followed. `flush`: the file is a copy, flushed here.
 */
export async function readStagedFile(path: string, facts: StagedFileFacts, options: InspectOptions, flush = false): Promise<ReceivedFile> {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // ELOOP: the staged name is a symbolic link: never followed.
    if (code === 'ELOOP') throw new AppError('STAGED_FILE_UNAVAILABLE', 'A staged file is not a regular file', { file: facts.file });
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new AppError('STAGED_FILE_UNAVAILABLE', undefined, { file: facts.file });
    throw error;
  }
  try {
    const inspection = await inspectFd(fd, options);
    if (inspection.fileBytes !== facts.sizeBytes) {
      throw new AppError('STAGED_FILE_UNAVAILABLE', 'A staged file is not the size the gateway recorded', { file: facts.file });
    }
    if (flush) await fsyncFd(fd);
    return { file: facts.file, tempPath: path, sizeBytes: facts.sizeBytes, sha256: facts.sha256, inspection };
  } finally {
    closeSync(fd);
  }
}
