import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { newStudyId } from '@dsv/common';

/** The gateway's stored name of the file at `index` (0001.dcm, 0002.dcm, …). */
export const storedName = (index: number): string => `${String(index + 1).padStart(4, '0')}.dcm`;

/** Copies files into `<stagingDir>/<new id>/` under the gateway's stored names, as it stages an upload. */
export async function stageStudy(stagingDir: string, sources: readonly string[]): Promise<string> {
  const id = newStudyId();
  await mkdir(path.join(stagingDir, id));
  await Promise.all(sources.map((source, index) => copyFile(source, path.join(stagingDir, id, storedName(index)))));
  return id;
}
