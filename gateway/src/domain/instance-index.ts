import { createHash } from 'node:crypto';
import type { InstanceConflict, StudyStatus } from './study-status.ts';

export interface IndexedFile {
  file: string;
  sha256: string;
  SOPInstanceUID?: string | undefined;
  TransferSyntaxUID?: string | undefined;
}

const DIGEST_BYTES = 32;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const FIRST_SLOTS = 1024;

/**
 * SOP Instance UID → the study that holds that instance, its bytes' sha256 and its transfer syntax. A UID
 * names one object (PS3.3 §C.12.1.1.1): the same UID arriving again with other bytes in the same
 * transfer syntax is a second version of it, which the archive must not get silently; in another
 * transfer syntax it is most likely the same object re-encoded, worth a warning only. Holds the instances
 * of stored studies and of studies on their way to storage (state 'describing'), so that two uploads in
 * flight cannot both store a version. Rebuilt from the persisted statuses at start-up.
 *
 * It grows with every instance the archive takes, so an instance costs what it must and little more:
 * its UID (the key) and a slot number in a Map, then per slot the holder as a number, the sha256 as 32
 * bytes and the transfer syntax as a number, in columns (typed arrays). Study ids and transfer syntaxes
 * are kept once each. Only studies that may still be released keep the list of their UIDs. 155 bytes per
 * instance on the heap, where an object per instance with hex strings took 280 (200,000 instances).
 */
export class InstanceIndex {
  private readonly slots = new Map<string, number>();
  private holders = new Int32Array(FIRST_SLOTS);
  private syntaxes = new Uint32Array(FIRST_SLOTS);
  private digests = Buffer.alloc(FIRST_SLOTS * DIGEST_BYTES);
  private used = 0;
  private readonly freeSlots: number[] = [];
  private readonly studies = new Interned();
  /** Transfer syntax UIDs; number 0 is "not known". */
  private readonly transferSyntaxes = new Interned(['']);
  /** Studies whose claims a release may still undo (not yet stored), with the UIDs they claimed. */
  private readonly releasable = new Map<string, string[]>();
  private readonly scratch = Buffer.alloc(DIGEST_BYTES);

  static build(statuses: Iterable<StudyStatus>): InstanceIndex {
    const index = new InstanceIndex();
    for (const status of [...statuses].sort((a, b) => a.id.localeCompare(b.id))) index.add(status);
    return index;
  }

  /** A persisted status read back at start-up, oldest first: its instances, if stored or on their way. */
  add(status: StudyStatus): void {
    if (status.state === 'stored') this.claim(status.id, status.upload.files, false);
    else if (status.state === 'describing') this.claim(status.id, status.upload.files, true);
  }

  /**
   * The files whose UID another study holds with other bytes. When none of them is 'changed', the
   * study's instances are claimed in the same synchronous step; otherwise nothing is claimed.
   */
  checkAndClaim(studyId: string, files: readonly IndexedFile[]): InstanceConflict[] {
    const conflicts: InstanceConflict[] = [];
    for (const { file, sha256, SOPInstanceUID, TransferSyntaxUID } of files) {
      if (!SOPInstanceUID) continue;
      const slot = this.slots.get(SOPInstanceUID);
      if (slot === undefined) continue;
      const heldBy = this.studies.name(this.holders[slot]!);
      if (heldBy === studyId || this.sameDigest(slot, sha256)) continue;
      const held = this.syntaxes[slot]!;
      const kind = held !== 0 && this.transferSyntaxes.name(held) !== TransferSyntaxUID ? 'reencoded' : 'changed';
      conflicts.push({ file, SOPInstanceUID, heldBy, kind });
    }
    if (!conflicts.some((c) => c.kind === 'changed')) this.claim(studyId, files, true);
    return conflicts;
  }

  /** The study will not be stored (rejected, failed): its claims go. */
  release(studyId: string): void {
    for (const uid of this.releasable.get(studyId) ?? []) {
      const slot = this.slots.get(uid)!;
      this.slots.delete(uid);
      this.freeSlots.push(slot);
    }
    this.releasable.delete(studyId);
  }

  /** The study is stored: its claims stand for good, and the list that could undo them goes. */
  settle(studyId: string): void {
    this.releasable.delete(studyId);
  }

  holderOf(SOPInstanceUID: string): string | undefined {
    const slot = this.slots.get(SOPInstanceUID);
    return slot === undefined ? undefined : this.studies.name(this.holders[slot]!);
  }

  /** An instance already held keeps its first holder. */
  private claim(studyId: string, files: readonly IndexedFile[], releasable: boolean): void {
    const uids = this.releasable.get(studyId) ?? [];
    const holder = this.studies.number(studyId);
    for (const { sha256, SOPInstanceUID, TransferSyntaxUID } of files) {
      if (!SOPInstanceUID || this.slots.has(SOPInstanceUID)) continue;
      const slot = this.freeSlots.pop() ?? this.newSlot();
      this.holders[slot] = holder;
      this.syntaxes[slot] = TransferSyntaxUID === undefined ? 0 : this.transferSyntaxes.number(TransferSyntaxUID);
      writeDigest(sha256, this.digests, slot * DIGEST_BYTES);
      this.slots.set(SOPInstanceUID, slot);
      if (releasable) uids.push(SOPInstanceUID);
    }
    if (uids.length > 0) this.releasable.set(studyId, uids);
  }

  private sameDigest(slot: number, sha256: string): boolean {
    writeDigest(sha256, this.scratch, 0);
    return this.digests.compare(this.scratch, 0, DIGEST_BYTES, slot * DIGEST_BYTES, (slot + 1) * DIGEST_BYTES) === 0;
  }

  private newSlot(): number {
    if (this.used === this.holders.length) {
      const size = this.holders.length * 2;
      this.holders = grown(this.holders, new Int32Array(size));
      this.syntaxes = grown(this.syntaxes, new Uint32Array(size));
      const digests = Buffer.alloc(size * DIGEST_BYTES);
      this.digests.copy(digests);
      this.digests = digests;
    }
    return this.used++;
  }
}

/** Strings kept once each, numbered in the order first seen. */
class Interned {
  private readonly names: string[] = [];
  private readonly numbers = new Map<string, number>();

  constructor(initial: readonly string[] = []) {
    for (const name of initial) this.number(name);
  }

  number(name: string): number {
    let n = this.numbers.get(name);
    if (n === undefined) {
      n = this.names.push(name) - 1;
      this.numbers.set(name, n);
    }
    return n;
  }

  name(n: number): string {
    return this.names[n]!;
  }
}

/**
 * A sha256 as its 32 bytes. The gateway writes it as 64 lower-case hex digits; anything else (a journal
 * edited by hand) is hashed, so that equal strings still give equal bytes.
 */
function writeDigest(sha256: string, target: Buffer, offset: number): void {
  if (SHA256_HEX.test(sha256)) target.write(sha256, offset, DIGEST_BYTES, 'hex');
  else createHash('sha256').update(sha256).digest().copy(target, offset);
}

function grown<T extends Int32Array | Uint32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
