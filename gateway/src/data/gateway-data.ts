import type { LifecycleEvent, StudyState as DicomStudyState } from '@dsv/common';
import type { Outcome, StudyState, StudyStatus } from '../domain/study-status.ts';

/**
 * What the gateway keeps, as the domain sees it: statuses, the event feed and the stability of DICOM
 * studies. Asynchronous, so that a client/server database (PostgreSQL) can stand behind it as well as
 * the SQLite file of gateway-db.ts: a second database is a second module implementing this interface.
 */
export interface GatewayData {
  /**
   * Writes a status whole, with its events not yet in the feed, in one transaction; `delivered`: the
   * delivery joined that DICOM study, which is receiving again from `at` (same transaction, so a stored
   * delivery's study is never left out of the stability checks).
   */
  writeStatus(status: StatusSnapshot, delivered?: Delivered): Promise<void>;
  readStatus(id: string): Promise<StudyStatus | undefined>;
  stateOf(id: string): Promise<StudyState | undefined>;
  /** Statuses with an id after `after` (ids sort by time), oldest first, at most `limit`, in short. */
  pageStatuses(query: StatusQuery): Promise<{ statuses: StatusLine[]; more: boolean }>;
  /** Statuses not in a final state: a stop or a crash came before their end. */
  unfinishedStatuses(): Promise<StudyStatus[]>;
  countStatuses(): Promise<number>;

  /**
   * Appends an event that belongs to no delivery status (a DICOM association's) to the feed, under
   * `event.studyId`; written with the status writes of the same turn, in the order asked.
   */
  appendEvent(event: LifecycleEvent): Promise<void>;
  /** Events with a sequence number above `since`, in order, at most `limit`; `done` when none follows. */
  readEvents(since: number, limit: number): Promise<{ events: SequencedEvent[]; done: boolean }>;

  studyRecord(StudyInstanceUID: string): Promise<StudyRecord | undefined>;
  /** Receiving studies whose check is due at `now`, the longest due first, at most `limit`. */
  dueStudies(now: number, limit: number): Promise<StudyRecord[]>;
  /** When the next receiving study is due, or null when none is receiving. */
  nextCheck(): Promise<number | null>;
  /**
   * Moves the check of `study` to `checkAfter` (after a failure, `failures` counts it), unless a delivery
   * reached the study since it was read: that delivery's own due time stands.
   */
  deferStudy(study: StudyRecord, checkAfter: number, failures: number): Promise<void>;
  /**
   * Marks `study` stable and appends `event` to the feed, in one transaction, unless a delivery reached it
   * since it was read (answers false: nothing written).
   */
  markStable(study: StudyRecord, stableAt: number, event: LifecycleEvent): Promise<boolean>;

  /**
   * Retention: removes, oldest first, the stored and rejected statuses created and last changed before
   * `cutoff` (milliseconds since the epoch), each with its events, then the feed's events of no status
   * (an association's, study.stable) written before it, then the records of studies stable since before
   * it that no kept status names. Failed and unfinished statuses and their events stay: they still have
   * work ahead. At most `limit` statuses, `limit` events of no status and `limit` studies a call, each
   * call one short transaction; answers how many of each went (events of both kinds).
   */
  prune(cutoff: number, limit: number): Promise<Pruned>;

  close(): Promise<void>;
}

/** What one call of GatewayData.prune removed. */
export interface Pruned {
  statuses: number;
  events: number;
  studies: number;
}

/** A status as it was when its write was asked for: later changes in memory do not leak into it. */
export interface StatusSnapshot {
  id: string;
  state: StudyState;
  StudyInstanceUID: string | null;
  attempts: number;
  outcome: Outcome | null;
  createdAt: string;
  updatedAt: string;
  /** The whole status, as JSON. */
  json: string;
  /** Every event of the status so far; those already in the feed are not appended again. */
  events: readonly LifecycleEvent[];
}

export interface Delivered {
  StudyInstanceUID: string;
  deliveryId: string;
  /** Milliseconds since the epoch. */
  at: number;
  /** When the study's check is due (at + stableAfter). */
  checkAfter: number;
}

export interface StatusQuery {
  after?: string | undefined;
  state?: StudyState | undefined;
  StudyInstanceUID?: string | undefined;
  limit: number;
}

/** What GET /status lists of each delivery. */
export interface StatusLine {
  id: string;
  state: StudyState;
  StudyInstanceUID: string | null;
  outcome: Outcome | null;
  attempts: number;
  createdAt: string;
  updatedAt: string;
}

export type SequencedEvent = { seq: number } & LifecycleEvent;

/** A DICOM study as the stability checks follow it; times in milliseconds since the epoch. */
export interface StudyRecord {
  StudyInstanceUID: string;
  lastDeliveryId: string;
  lastDeliveryAt: number;
  state: DicomStudyState;
  stableAt: number | null;
  /** When its next check is due. */
  checkAfter: number;
  /** Checks that failed in a row (the backoff grows with them). */
  failures: number;
}
