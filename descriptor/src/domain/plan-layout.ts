import { AppError, isValidUid } from '@dsv/common';
import { StudyLayout, type Disposition } from './study-folder.ts';

export interface LayoutInput {
  /** The gateway's stored name; already checked against STORED_NAME. */
  file: string;
  SOPInstanceUID: string | null;
}

export interface PlacedFile {
  file: string;
  /** Relative to the study folder, '/'-separated. */
  path: string;
}

/**
 * Where each file of a study goes. A valid study of one file is `original.dcm`; of several,
 * `originals/<SOPInstanceUID>.dcm`. A UID becomes a file name only after the PS3.5 §9.1 grammar has been
 * checked (digits and dots, at most 64 characters) and only once per study: the validator refuses such
 * studies already, this is defence in depth. A rejected upload keeps the gateway's names.
 */
export function planLayout(disposition: Disposition, files: readonly LayoutInput[]): PlacedFile[] {
  if (disposition === 'rejected') return files.map(({ file }) => ({ file, path: `${StudyLayout.files}/${file}` }));
  const used = new Set<string>();
  return files.map(({ file, SOPInstanceUID: uid }) => {
    const target = storedPath(files.length, uid);
    if (target === null) throw new AppError('REQUEST_INVALID', 'A file of a valid study has no valid SOP Instance UID', { file });
    if (files.length > 1 && used.has(uid!)) throw new AppError('REQUEST_INVALID', 'Two files of a valid study have the same SOP Instance UID', { file, SOPInstanceUID: uid });
    used.add(uid!);
    return { file, path: target };
  });
}

/**
 * Where one file of a valid study of `fileCount` files goes, known as soon as its header is read (the
 * request lists the files first); null when its UID cannot become a file name.
 */
export function storedPath(fileCount: number, uid: string | null): string | null {
  if (fileCount === 1) return StudyLayout.original;
  return uid !== null && isValidUid(uid) ? `${StudyLayout.originals}/${uid}.dcm` : null;
}

/**
 * Where a file streams in, inside the assembly folder, before its header is read: its final place when
 * that is known from the request alone (a valid study of one file, a rejected upload), else beside its
 * final place under its stored name, one rename in the same folder away.
 */
export function receivedPath(disposition: Disposition, fileCount: number, file: string): string {
  if (disposition === 'rejected') return `${StudyLayout.files}/${file}`;
  return fileCount === 1 ? StudyLayout.original : `${StudyLayout.originals}/${file}`;
}
