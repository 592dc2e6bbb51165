import { open, readFile, rm, writeFile } from 'node:fs/promises';
import type { DicomJsonDataset } from './dicom-json.ts';

/**
 * The DICOM JSON of each instance waits on disk, beside its file in the assembly folder, from the moment
 * its header is read until the study is composed: a study of 5,000 files holds none of it in memory.
 */
export function spoolPath(receivedPath: string): string {
  return `${receivedPath}.json`;
}

export async function spoolDicomJson(receivedPath: string, dataset: DicomJsonDataset): Promise<void> {
  await writeFile(spoolPath(receivedPath), JSON.stringify(dataset), { flag: 'wx' });
}

/** Bytes gathered before one write to metadata.dicom.json. */
const WRITE_BATCH_BYTES = 1 << 20;

/**
 * metadata.dicom.json: the JSON array of the spooled instances in the given order, one instance a line,
 * flushed to disk; the spooled pieces are removed. It is written inside the assembly folder, which one
 * rename publishes whole, so it needs no temporary name of its own.
 */
export async function writeDicomJsonArray(target: string, receivedPaths: readonly string[]): Promise<void> {
  const handle = await open(target, 'wx');
  try {
    let batch: Buffer[] = [Buffer.from('[\n')];
    let size = 0;
    for (const [index, received] of receivedPaths.entries()) {
      const piece = await readFile(spoolPath(received));
      batch.push(Buffer.from(index === 0 ? '' : ',\n'), piece);
      size += piece.length;
      if (size >= WRITE_BATCH_BYTES) {
        await handle.write(Buffer.concat(batch));
        batch = [];
        size = 0;
      }
    }
    batch.push(Buffer.from('\n]\n'));
    await handle.write(Buffer.concat(batch));
    await handle.sync();
  } finally {
    await handle.close();
  }
  for (const received of receivedPaths) await rm(spoolPath(received));
}
