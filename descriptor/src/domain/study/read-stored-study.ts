import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { StudyLayout, type Disposition } from './study-folder.ts';

export interface StoredEntry {
  file: string;
  /** Relative to the study folder. */
  path: string;
  sizeBytes: number;
  sha256: string;
  SOPInstanceUID: string | null;
}

export interface StoredStudy {
  entries: StoredEntry[];
  hasMetadata: boolean;
}

const StoredInstances = z.object({
  instances: z.array(
    z.object({
      file: z.string(),
      path: z.string(),
      sizeBytes: z.number(),
      sha256: z.string(),
      SOPInstanceUID: z.string().nullable(),
    }),
  ),
});

/**
 * What a study folder already holds, to answer a retry without writing anything. A valid study is
 * described by its metadata.json; a rejected upload may have none, so its files are hashed again
 * (retries are rare, and the answer must name what is really on disk).
 */
export async function readStoredStudy(dir: string, disposition: Disposition): Promise<StoredStudy> {
  const metadataPath = path.join(dir, StudyLayout.metadata);
  if (disposition === 'stored') {
    const { instances } = StoredInstances.parse(JSON.parse(await readFile(metadataPath, 'utf8')));
    return { entries: instances, hasMetadata: true };
  }
  const names = (await readdir(path.join(dir, StudyLayout.files))).sort();
  const entries: StoredEntry[] = [];
  for (const file of names) {
    const relative = `${StudyLayout.files}/${file}`;
    const full = path.join(dir, relative);
    entries.push({ file, path: relative, sizeBytes: (await stat(full)).size, sha256: await hashFile(full), SOPInstanceUID: null });
  }
  return { entries, hasMetadata: await exists(metadataPath) };
}

export async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
