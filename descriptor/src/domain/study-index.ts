import { readdir } from 'node:fs/promises';
import { isStudyId, type Logger } from '@dsv/common';
import { readStudyEntry, type IndexedStudy } from './read-study-entry.ts';
import { matchesQuery, type StudyQuery } from './study-query.ts';
import { rootFor, type StudyRoots } from './study-folder.ts';

export interface StudyPage {
  studies: IndexedStudy[];
  /** The id to pass as `cursor` for the next page; null on the last one. */
  nextCursor: string | null;
}

/** metadata.json files read at the same time while the index is built. */
const SCAN_CONCURRENCY = 16;

/**
 * Every stored and rejected study, in memory, newest first, behind GET /studies. The folders are the
 * truth: the index is built from them at start-up (a folder copied or restored while the service was
 * down lists after the restart), then kept up to date as the service publishes studies.
 */
export class StudyIndex {
  readonly #byId = new Map<string, IndexedStudy>();
  /** Ids in descending order: ULIDs sort by the time they were made. */
  readonly #ids: string[] = [];

  static async build(roots: StudyRoots, logger?: Logger): Promise<StudyIndex> {
    const index = new StudyIndex();
    const found: { id: string; state: 'stored' | 'rejected' }[] = [];
    for (const state of ['stored', 'rejected'] as const) {
      // Only folders named by a study id: `.incoming/` and anything else an operator left there are skipped.
      for (const dirent of await listFolders(rootFor(roots, state))) {
        if (isStudyId(dirent)) found.push({ id: dirent, state });
      }
    }
    let unreadable = 0;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < found.length) {
        const { id, state } = found[next++]!;
        const read = await readStudyEntry(rootFor(roots, state), id, state);
        if (read.unreadable) unreadable++;
        index.record(read.entry);
      }
    };
    await Promise.all(Array.from({ length: Math.min(SCAN_CONCURRENCY, found.length) }, worker));
    logger?.info({ stored: index.count('stored'), rejected: index.count('rejected'), unreadableMetadata: unreadable }, 'study index built');
    return index;
  }

  /**
   * Adds a study, or replaces the entry of the same id. An id both under studies/ and rejected/ cannot
   * come from this service (one id is published once); if an operator made one, the stored study wins.
   */
  record(entry: IndexedStudy): void {
    const existing = this.#byId.get(entry.id);
    if (existing?.state === 'stored' && entry.state === 'rejected') return;
    this.#byId.set(entry.id, entry);
    if (existing) return;
    this.#ids.splice(this.#positionBelow(entry.id, true), 0, entry.id);
  }

  /** Drops a study whose folder has gone (removed by hand while the service runs). */
  forget(id: string): void {
    if (!this.#byId.delete(id)) return;
    this.#ids.splice(this.#positionBelow(id, true), 1);
  }

  get(id: string): IndexedStudy | undefined {
    return this.#byId.get(id);
  }

  count(state?: IndexedStudy['state']): number {
    if (state === undefined) return this.#byId.size;
    let n = 0;
    for (const entry of this.#byId.values()) if (entry.state === state) n++;
    return n;
  }

  /**
   * One page of the studies that match, newest first, starting after the cursor. The cursor is a
   * position, not an entry: the page after it is right even when that study has gone meanwhile, and
   * studies published during a walk (newer, so before the cursor) never appear twice.
   */
  list(query: StudyQuery): StudyPage {
    const studies: IndexedStudy[] = [];
    const from = query.cursor === undefined ? 0 : this.#positionBelow(query.cursor, false);
    for (let i = from; i < this.#ids.length; i++) {
      const entry = this.#byId.get(this.#ids[i]!)!;
      if (!matchesQuery(entry, query)) continue;
      if (studies.length === query.limit) return { studies, nextCursor: studies.at(-1)!.id };
      studies.push(entry);
    }
    return { studies, nextCursor: null };
  }

  /**
   * Binary search over the descending ids: the first position whose id is below `id` (or, with
   * `inclusive`, not above it).
   */
  #positionBelow(id: string, inclusive: boolean): number {
    let low = 0;
    let high = this.#ids.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const other = this.#ids[mid]!;
      const before = inclusive ? other > id : other >= id;
      if (before) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

async function listFolders(root: string): Promise<string[]> {
  try {
    const entries = await readdir(root, { withFileTypes: true });
    return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
