import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The shared corpus lives beside the project (../shared/corpus); it is read, never copied in. */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const corpusDir = process.env.DICOM_CORPUS_DIR ?? path.resolve(projectRoot, '../shared/corpus');
export const corpusAvailable = existsSync(path.join(corpusDir, 'manifest.json'));
export const corpusSkipReason = `the shared DICOM corpus is not at ${corpusDir} (set DICOM_CORPUS_DIR): corpus tests skipped`;

if (!corpusAvailable) console.warn(`[corpus] ${corpusSkipReason}`);

export interface ManifestEntry {
  path: string;
  kind: 'file' | 'study';
  category: string;
  expected: 'valid' | 'invalid';
  expected_reasons: string[];
  notes?: string;
  size_bytes?: number;
  sha256?: string;
}

export function loadManifest(): ManifestEntry[] {
  if (!corpusAvailable) return [];
  return JSON.parse(readFileSync(path.join(corpusDir, 'manifest.json'), 'utf8')) as ManifestEntry[];
}

export function corpusPath(relative: string): string {
  return path.join(corpusDir, relative);
}

/** The files of one upload: the entry itself, or every .dcm file of a study folder, sorted. */
export function entryFiles(entry: ManifestEntry): string[] {
  const full = corpusPath(entry.path);
  if (!statSync(full).isDirectory()) return [full];
  return readdirSync(full)
    .filter((name) => name.endsWith('.dcm'))
    .sort()
    .map((name) => path.join(full, name));
}

/** A reason like 'missing-type1:0020000D' split into its code and tag. */
export function splitReason(reason: string): { code: string; tag: string | undefined } {
  const [code, tag] = reason.split(':');
  return { code: code!, tag };
}
