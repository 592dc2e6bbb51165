import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

export interface LocalFile {
  /** Absolute or cwd-relative path to read. */
  path: string;
  /** What findings call it: the path inside the folder given, or the file's own name. */
  name: string;
}

/** DICOM files carry '.dcm' or, as in DICOMDIR trees (PS3.10 §8.2), no extension at all. */
function looksLikeDicom(name: string): boolean {
  return !name.startsWith('.') && (name.toLowerCase().endsWith('.dcm') || path.extname(name) === '');
}

/** The files of one upload: the file itself, or every DICOM-looking file under the folder, sorted. */
export async function collectFiles(target: string): Promise<LocalFile[]> {
  const info = await stat(target);
  if (!info.isDirectory()) return [{ path: target, name: path.basename(target) }];
  const entries = await readdir(target, { recursive: true, withFileTypes: true });
  const files: LocalFile[] = [];
  for (const entry of entries) {
    if (!entry.isFile() || !looksLikeDicom(entry.name)) continue;
    const full = path.join(entry.parentPath, entry.name);
    files.push({ path: full, name: path.relative(target, full).split(path.sep).join('/') });
  }
  return files.sort((a, b) => a.name.localeCompare(b.name));
}
