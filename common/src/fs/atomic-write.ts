import { renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { syncDirectory, writeDurable, type DurableData } from './durable-fd.ts';

let written = 0;

/**
 * Writes a file so that readers see the old content or the new, never a part: a temporary file in the
 * same folder, flushed to disk, then renamed over the target (rename is atomic within a file system),
 * then the folder flushed, so the new content survives a power cut once this resolves. `data` in parts
 * is written part by part (writeDurable).
 * The temporary name is unique within the process (pid and a counter); a crash can leave one behind as
 * `.<name>.<pid>.<n>.tmp` (the gateway's status store removes them at start-up).
 */
export async function writeFileAtomic(target: string, data: DurableData): Promise<void> {
  written += 1;
  const temporary = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${written}.tmp`);
  try {
    await writeDurable(temporary, data);
    renameSync(temporary, target);
    // The rename itself is durable only once the folder is flushed.
    await syncDirectory(path.dirname(target));
  } catch (error) {
    // EEXIST: the name is someone else's file (a leftover of a crash), never removed from here.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') rmSync(temporary, { force: true });
    throw error;
  }
}

export async function writeJsonAtomic(target: string, value: unknown): Promise<void> {
  await writeFileAtomic(target, `${JSON.stringify(value, null, 2)}\n`);
}
