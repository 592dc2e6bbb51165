import { mkdir, open, rename, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '@dsv/common';
import { writeDicomJsonArray } from './dicom-json-spool.ts';
import type { PlacedFile } from './plan-layout.ts';
import { StudyLayout } from './study-folder.ts';

export interface StudyAssembly {
  /** `<root>/.incoming/<id>.<random>/`, holding the received files in `files/<stored name>`. */
  tempDir: string;
  /** `<root>/<id>`, on the same file system. */
  finalDir: string;
  placed: readonly PlacedFile[];
  metadata: unknown;
  /** A valid study: the stored names whose spooled DICOM JSON makes metadata.dicom.json, in this order. */
  dicomJsonOrder: readonly string[] | null;
  fhir: unknown;
  validationLog: string;
}

/**
 * Lays the study out inside its assembly folder, then publishes it with one rename: the study appears
 * whole or not at all (rename(2) is atomic within a file system). Answers false, publishing nothing,
 * when a folder of that id appeared meanwhile: another request for the same id got there first.
 * The caller removes the assembly folder whatever happens.
 */
export async function storeStudy(assembly: StudyAssembly): Promise<boolean> {
  const { tempDir } = assembly;
  const received = path.join(tempDir, StudyLayout.files);
  if (assembly.dicomJsonOrder !== null) {
    await writeDicomJsonArray(path.join(tempDir, StudyLayout.dicomJson), assembly.dicomJsonOrder.map((file) => path.join(received, file)));
  }
  for (const { file, path: target } of assembly.placed) {
    const to = path.join(tempDir, target);
    if (path.dirname(to) === received) continue;
    await mkdir(path.dirname(to), { recursive: true });
    await rename(path.join(received, file), to);
  }
  if (assembly.placed.every(({ path: target }) => !target.startsWith(`${StudyLayout.files}/`))) await rmdir(received);
  if (assembly.metadata !== null) await writeJsonAtomic(path.join(tempDir, StudyLayout.metadata), assembly.metadata);
  if (assembly.fhir !== null) await writeJsonAtomic(path.join(tempDir, StudyLayout.fhir), assembly.fhir);
  await writeFileAtomic(path.join(tempDir, StudyLayout.validationLog), assembly.validationLog);
  // The renames inside the folder must be on disk before the folder is published.
  for (const dir of new Set(assembly.placed.map(({ path: target }) => path.dirname(path.join(tempDir, target))))) await syncDirectory(dir);
  await syncDirectory(tempDir);
  try {
    await rename(tempDir, assembly.finalDir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST') return false;
    throw error;
  }
  await syncDirectory(path.dirname(assembly.finalDir));
  return true;
}

/** fsync(2) on a folder makes the entries created or renamed in it durable. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
