import { closeSync, openSync, readSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { inspectFile, summariseInstance } from '@dsv/common';

/** A Part 10 file to send, with what choosing its study and its presentation context needs. */
export interface DicomFile {
  path: string;
  StudyInstanceUID: string;
  SOPClassUID: string;
  SOPInstanceUID: string;
  TransferSyntaxUID: string;
}

export interface FoundFiles {
  files: DicomFile[];
  /** Files that are not Part 10 DICOM, or lack a UID the sender needs: not sent. */
  skipped: { path: string; reason: string }[];
}

/**
 * The DICOM files under `roots` (files, or folders walked recursively, in name order): a file is DICOM
 * when it has the preamble and "DICM" (PS3.10 §7.1), whatever its name; its header is read up to the
 * Pixel Data, never the pixels.
 */
export async function findDicomFiles(roots: readonly string[]): Promise<FoundFiles> {
  const found: FoundFiles = { files: [], skipped: [] };
  for (const root of roots) await visit(path.resolve(root), found);
  return found;
}

async function visit(target: string, found: FoundFiles): Promise<void> {
  const info = await stat(target).catch((error: NodeJS.ErrnoException) => {
    found.skipped.push({ path: target, reason: error.code === 'ENOENT' ? 'no such file or folder' : error.message });
    return null;
  });
  if (!info) return;
  if (info.isDirectory()) {
    const names = (await readdir(target)).sort();
    for (const name of names) await visit(path.join(target, name), found);
    return;
  }
  if (!info.isFile()) return;
  if (!hasDicmPrefix(target)) {
    found.skipped.push({ path: target, reason: 'not a DICOM Part 10 file' });
    return;
  }
  const summary = summariseInstance(await inspectFile(target), path.basename(target), true);
  const { StudyInstanceUID, SOPClassUID, SOPInstanceUID, TransferSyntaxUID } = summary;
  if (!StudyInstanceUID || !SOPClassUID || !SOPInstanceUID || !TransferSyntaxUID) {
    found.skipped.push({ path: target, reason: 'no StudyInstanceUID, SOPClassUID, SOPInstanceUID or TransferSyntaxUID' });
    return;
  }
  found.files.push({ path: target, StudyInstanceUID, SOPClassUID, SOPInstanceUID, TransferSyntaxUID });
}

function hasDicmPrefix(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(132);
    const read = readSync(fd, head, 0, 132, 0);
    return read === 132 && head.toString('latin1', 128, 132) === 'DICM';
  } finally {
    closeSync(fd);
  }
}
