import { lstatSync, type Stats } from 'node:fs';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { stagedFilePath, type PrepareAnswer, type PrepareRequest } from '@dsv/common';

/** Which bytes a staged name held when it was read: the same inode, size and times mean the same bytes. */
export function fileIdentity(stats: Stats): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;
}

/** Files kept at most; past it the oldest go (a study whose describe call never came is never taken). */
export const PREPARED_FILES_MAX = 1024;

/**
 * What the descriptor found in staged files named to it ahead of their study's call (PrepareRequestSchema),
 * by study and stored name. `take` hands an entry over once, and only while the name still holds the
 * bytes it was read from; otherwise the caller reads the file as if nothing had been prepared.
 */
export class PreparedFiles<T> {
  readonly #entries = new Map<string, { identity: string; value: T }>();

  constructor(private readonly maxEntries = PREPARED_FILES_MAX) {}

  put(studyId: string, file: string, identity: string, value: T): void {
    const key = `${studyId}/${file}`;
    this.#entries.delete(key);
    this.#entries.set(key, { identity, value });
    // A Map iterates in insertion order: the first key is the oldest.
    while (this.#entries.size > this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
  }

  /** The entry of `file`, removed; null when there is none or `filePath` no longer holds its bytes. */
  take(studyId: string, file: string, filePath: string): T | null {
    const key = `${studyId}/${file}`;
    const entry = this.#entries.get(key);
    if (!entry) return null;
    this.#entries.delete(key);
    // Synchronous: one metadata call, cheaper than a thread-pool round trip (common's durable-fd.ts).
    const stats = lstatSync(filePath, { throwIfNoEntry: false });
    return stats?.isFile() && fileIdentity(stats) === entry.identity ? entry.value : null;
  }
}

/**
 * The files of a prepare call, one by one: `prepare` gets each staged file's path and answers whether it
 * kept something. A bad study id or name, or a file `prepare` fails on, is passed over: the study's own
 * call meets it again and answers for it. Yields to the event loop between files, so a long list never
 * holds up the calls that decide studies.
 */
export async function prepareStaged(
  studies: PrepareRequest['studies'],
  stagingDir: string,
  prepare: (studyId: string, file: string, filePath: string) => Promise<boolean>,
): Promise<PrepareAnswer> {
  const answer: PrepareAnswer = { prepared: 0, skipped: 0 };
  for (const { studyId, files } of studies) {
    for (const file of files) {
      let kept = false;
      try {
        kept = await prepare(studyId, file, stagedFilePath(stagingDir, studyId, file));
      } catch {
        kept = false;
      }
      if (kept) answer.prepared += 1;
      else answer.skipped += 1;
      await yieldToLoop();
    }
  }
  return answer;
}
