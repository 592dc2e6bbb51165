import { mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { syncDirectory, writeDurable } from '@dsv/common';
import type { DicomJsonSpool } from './dicom-json-spool.ts';
import { receivedPath, type PlacedFile } from './plan-layout.ts';
import { StudyLayout, type Disposition } from './study-folder.ts';

export interface StudyAssembly {
  /** `<root>/.incoming/<id>.<random>/`, holding each received file where `receivedPath` put it. */
  tempDir: string;
  /** `<root>/<id>`, on the same file system. */
  finalDir: string;
  disposition: Disposition;
  placed: readonly PlacedFile[];
  metadata: unknown;
  /** A valid study: the stored names whose DICOM JSON makes metadata.dicom.json, in this order. */
  dicomJsonOrder: readonly string[] | null;
  /** Where that DICOM JSON waits. */
  spool: DicomJsonSpool;
  fhir: unknown;
  validationLog: string;
}

/**
 * Lays the study out inside its assembly folder, then publishes it with one rename: the study appears
 * whole or not at all (rename(2) is atomic within a file system). Answers false, publishing nothing,
 * when a folder of that id appeared meanwhile: another request for the same id got there first.
 * The caller removes the assembly folder whatever happens.
 *
 * Nothing inside the assembly folder is visible before that rename, so its files are written in place,
 * without a temporary name each; what the rename needs on disk first is each file's data (one fsync per
 * file) and the folders' entries (one fsync per folder). Only the fsyncs go through the thread pool; the
 * renames and folders are synchronous calls (common's durable-fd.ts).
 */
export async function storeStudy(assembly: StudyAssembly): Promise<boolean> {
  const { tempDir, placed } = assembly;
  const folders = new Set([tempDir]);
  for (const { file, path: target } of placed) {
    const from = path.join(tempDir, receivedPath(assembly.disposition, placed.length, file));
    const to = path.join(tempDir, target);
    folders.add(path.dirname(to));
    if (from === to) continue;
    mkdirSync(path.dirname(to), { recursive: true });
    renameSync(from, to);
  }
  // A spilled spool creates metadata.dicom.json (and removes the spool file) only after awaiting.
  const entriesMadeNow = !assembly.spool.spilled;
  const writes: Promise<void>[] = [];
  if (assembly.dicomJsonOrder !== null) writes.push(assembly.spool.writeArray(path.join(tempDir, StudyLayout.dicomJson), assembly.dicomJsonOrder));
  if (assembly.metadata !== null) writes.push(writeDurable(path.join(tempDir, StudyLayout.metadata), formatJson(assembly.metadata)));
  if (assembly.fhir !== null) writes.push(writeDurable(path.join(tempDir, StudyLayout.fhir), formatJson(assembly.fhir)));
  writes.push(writeDurable(path.join(tempDir, StudyLayout.validationLog), assembly.validationLog));
  // The entries made or renamed inside the folder must be on disk before the folder is published, as
  // must the files' data. When every entry already exists, the folders are flushed while the files are:
  // one wait for the disk instead of two in a row.
  if (entriesMadeNow) writes.push(...[...folders].map(syncDirectory));
  // allSettled: no file is still being written when the caller removes the folder after a failure.
  const failed = (await Promise.allSettled(writes)).find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  if (!entriesMadeNow) await Promise.all([...folders].map(syncDirectory));
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

/** Pretty-printed while small (read by people); compact past 1 MiB, where indentation only costs. */
function formatJson(value: unknown): string {
  const compact = JSON.stringify(value);
  return compact.length > 1 << 20 ? `${compact}\n` : `${JSON.stringify(value, null, 2)}\n`;
}
