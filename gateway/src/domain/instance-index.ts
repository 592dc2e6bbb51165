import type { InstanceConflict, StudyStatus } from './study-status.ts';

interface Holder {
  studyId: string;
  sha256: string;
  transferSyntax: string | undefined;
}

export interface IndexedFile {
  file: string;
  sha256: string;
  SOPInstanceUID?: string | undefined;
  TransferSyntaxUID?: string | undefined;
}

/**
 * SOP Instance UID → the study that holds that instance, its bytes' sha256 and its transfer syntax. A UID
 * names one object (PS3.3 §C.12.1.1.1): the same UID arriving again with other bytes in the same
 * transfer syntax is a second version of it, which the archive must not get silently; in another
 * transfer syntax it is most likely the same object re-encoded, worth a warning only. Holds the instances
 * of stored studies and of studies on their way to storage (state 'describing'), so that two uploads in
 * flight cannot both store a version. Rebuilt from the persisted statuses at start-up.
 */
export class InstanceIndex {
  private readonly holders = new Map<string, Holder>();
  private readonly claimed = new Map<string, string[]>();

  static build(statuses: Iterable<StudyStatus>): InstanceIndex {
    const index = new InstanceIndex();
    for (const status of [...statuses].sort((a, b) => a.id.localeCompare(b.id))) index.add(status);
    return index;
  }

  /** A persisted status read back at start-up, oldest first: its instances, if stored or on their way. */
  add(status: StudyStatus): void {
    if (status.state === 'stored' || status.state === 'describing') this.claim(status.id, status.upload.files);
  }

  /**
   * The files whose UID another study holds with other bytes. When none of them is 'changed', the
   * study's instances are claimed in the same synchronous step; otherwise nothing is claimed.
   */
  checkAndClaim(studyId: string, files: readonly IndexedFile[]): InstanceConflict[] {
    const conflicts: InstanceConflict[] = [];
    for (const { file, sha256, SOPInstanceUID, TransferSyntaxUID } of files) {
      if (!SOPInstanceUID) continue;
      const holder = this.holders.get(SOPInstanceUID);
      if (!holder || holder.studyId === studyId || holder.sha256 === sha256) continue;
      const kind = holder.transferSyntax !== undefined && holder.transferSyntax !== TransferSyntaxUID ? 'reencoded' : 'changed';
      conflicts.push({ file, SOPInstanceUID, heldBy: holder.studyId, kind });
    }
    if (!conflicts.some((c) => c.kind === 'changed')) this.claim(studyId, files);
    return conflicts;
  }

  /** The study will not be stored (rejected, failed): its claims go. */
  release(studyId: string): void {
    for (const uid of this.claimed.get(studyId) ?? []) this.holders.delete(uid);
    this.claimed.delete(studyId);
  }

  holderOf(SOPInstanceUID: string): string | undefined {
    return this.holders.get(SOPInstanceUID)?.studyId;
  }

  /** An instance already held keeps its first holder. */
  private claim(studyId: string, files: readonly IndexedFile[]): void {
    const uids = this.claimed.get(studyId) ?? [];
    for (const { sha256, SOPInstanceUID, TransferSyntaxUID } of files) {
      if (!SOPInstanceUID || this.holders.has(SOPInstanceUID)) continue;
      this.holders.set(SOPInstanceUID, { studyId, sha256, transferSyntax: TransferSyntaxUID });
      uids.push(SOPInstanceUID);
    }
    if (uids.length > 0) this.claimed.set(studyId, uids);
  }
}
