import { createHash } from 'node:crypto';
import type { StudyStatus } from './study-status.ts';

/**
 * The identity of an upload: the sha256 of its files' sha256 list, sorted, so that the same files sent
 * again in another order are the same upload. The staging storage hashes while it writes: no second pass.
 */
export function uploadIdentity(files: readonly { sha256: string }[]): string {
  const sorted = files.map((f) => f.sha256).sort();
  return createHash('sha256').update(sorted.join('\n')).digest('hex');
}

/**
 * Upload identity → the id of the study that holds it, so that byte-identical files sent again answer
 * with the study they already are instead of being stored twice. Rebuilt from the persisted statuses at
 * start-up.
 */
export class UploadIndex {
  private readonly ids = new Map<string, string>();

  static build(statuses: Iterable<StudyStatus>): UploadIndex {
    const index = new UploadIndex();
    // Oldest first (ULIDs sort by time): if two identical uploads ever got in, the first one answers.
    for (const status of [...statuses].sort((a, b) => a.id.localeCompare(b.id))) index.add(status);
    return index;
  }

  /** A persisted status read back at start-up, oldest first. */
  add(status: StudyStatus): void {
    if (status.upload.files.length > 0) this.claim(uploadIdentity(status.upload.files), status.id);
  }

  /**
   * Registers `id` for the identity, unless a study already holds it: answers that study's id, or null
   * when `id` now holds it. Synchronous, so two identical uploads finishing together cannot both win.
   */
  claim(identity: string, id: string): string | null {
    const holder = this.ids.get(identity);
    if (holder !== undefined && holder !== id) return holder;
    this.ids.set(identity, id);
    return null;
  }

  release(identity: string, id: string): void {
    if (this.ids.get(identity) === id) this.ids.delete(identity);
  }

  get size(): number {
    return this.ids.size;
  }
}
