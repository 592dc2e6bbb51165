import { constants, linkSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { withSyncedFd } from '@dsv/common';

/**
 * Where a delivery's files wait for the join: an assembly folder (streamed in, or copied) whose files are
 * renamed into place, or the gateway's staging folder on this disk, whose files are hard-linked into place
 * (the same bytes; the gateway removes only its own name afterwards).
 */
export type FileSource = { assembly: (file: string) => string } | { staged: (file: string) => string };

/**
 * Puts one new file of a study at `target`. A name already there is left from a join that never committed
 * (the catalogue, read under the study's lock, does not list it): it is replaced. Across file systems a
 * staged file is copied and flushed under a temporary name first, so `target` is whole or absent. The
 * caller flushes the target's folder.
 */
export async function placeFile(source: FileSource, file: string, target: string): Promise<void> {
  if ('assembly' in source) {
    renameSync(source.assembly(file), target);
    return;
  }
  const staged = source.staged(file);
  try {
    linkOver(staged, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // EXDEV: another file system; EPERM/ENOTSUP: one without hard links.
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOTSUP') throw error;
    await copyDurable(staged, target);
  }
}

function linkOver(from: string, to: string): void {
  try {
    linkSync(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    unlinkSync(to);
    linkSync(from, to);
  }
}

async function copyDurable(from: string, to: string): Promise<void> {
  const temporary = `${to}.${process.pid}.copy`;
  try {
    await copyFile(from, temporary, constants.COPYFILE_FICLONE);
    await withSyncedFd(temporary, 'r');
    renameSync(temporary, to);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
