import { StudyLayout, type Disposition } from '../study/study-folder.ts';

/**
 * Where a file streams in, inside the assembly folder, before its header is read: a rejected delivery's
 * final place (`files/<name>`); a valid delivery's file is renamed into its study folder from there
 * (join-delivery.ts) once the study's lock is held.
 */
export function receivedPath(disposition: Disposition, fileCount: number, file: string): string {
  if (disposition === 'rejected') return `${StudyLayout.files}/${file}`;
  return fileCount === 1 ? StudyLayout.original : `${StudyLayout.originals}/${file}`;
}
