import { renameSync } from 'node:fs';
import path from 'node:path';
import { syncDirectory, writeDurable } from '@dsv/common';
import type { StudyMetadata } from '../metadata/assemble-metadata.ts';
import { formatJson } from '../metadata/format-json.ts';
import { StudyLayout } from '../study/study-folder.ts';

export interface RejectedAssembly {
  /** `<rejected>/.incoming/<id>.<random>/`, holding each file at `files/<name>`. */
  tempDir: string;
  /** `<rejected>/<id>`, on the same file system. */
  finalDir: string;
  metadata: StudyMetadata | null;
  validationLog: string;
}

/**
 * Writes a rejected delivery's documents inside its assembly folder, then publishes it with one rename:
 * it appears whole or not at all (rename(2) is atomic within a file system). Answers false, publishing
 * nothing, when a folder of that id appeared meanwhile: another request for the same id got there first.
 * The caller removes the assembly folder whatever happens. Nothing inside it is visible before the rename,
 * so its files are written in place; what the rename needs on disk first is each file's data and the
 * folders' entries.
 */
export async function storeRejected(assembly: RejectedAssembly): Promise<boolean> {
  const { tempDir } = assembly;
  const writes: Promise<void>[] = [];
  if (assembly.metadata !== null)
    writes.push(writeDurable(path.join(tempDir, StudyLayout.metadata), formatJson(assembly.metadata, assembly.metadata.instances.length)));
  writes.push(writeDurable(path.join(tempDir, StudyLayout.validationLog), assembly.validationLog));
  writes.push(syncDirectory(tempDir), syncDirectory(path.join(tempDir, StudyLayout.files)).catch(ignoreMissing));
  // allSettled: no file is still being written when the caller removes the folder after a failure.
  const failed = (await Promise.allSettled(writes)).find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  try {
    renameSync(tempDir, assembly.finalDir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST') return false;
    throw error;
  }
  await syncDirectory(path.dirname(assembly.finalDir));
  return true;
}

/** A delivery of which no file part came has no files/ folder. */
function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
}
