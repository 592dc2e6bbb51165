import { firstStudyIdAt, type LifecycleEvent } from '@dsv/common';
import type { Statement } from 'better-sqlite3';
import { GroupCommit, openDatabase, type SqliteDatabase } from '@dsv/common/db';
import { StudyStates, TerminalStates, type Outcome, type StudyState, type StudyStatus } from '../domain/study-status.ts';
import type {
  Delivered,
  GatewayData,
  Pruned,
  SequencedEvent,
  StatusLine,
  StatusQuery,
  StatusSnapshot,
  StudyRecord,
} from './gateway-data.ts';

/** The file in dataDir. */
export const DATABASE_FILE = 'gateway.db';

/**
 * Plain tables, indexes, INSERT/UPDATE/SELECT and transactions, so that a PostgreSQL module can use the
 * same statements (its DDL would spell `seq` as an identity column and the times as BIGINT alike).
 * A status is kept whole as JSON, with the columns it is looked up and listed by beside it.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS statuses (
  id TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  study_uid TEXT,
  attempts INTEGER NOT NULL,
  outcome TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS statuses_by_state ON statuses (state, id);
CREATE INDEX IF NOT EXISTS statuses_by_study ON statuses (study_uid, id);
CREATE INDEX IF NOT EXISTS statuses_by_created ON statuses (created_at);

CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY,
  delivery_id TEXT,
  type TEXT NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_delivery ON events (delivery_id);

CREATE TABLE IF NOT EXISTS studies (
  study_uid TEXT PRIMARY KEY,
  last_delivery_id TEXT NOT NULL,
  last_delivery_at BIGINT NOT NULL,
  state TEXT NOT NULL,
  stable_at BIGINT,
  check_after BIGINT NOT NULL,
  failures INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS studies_by_check ON studies (state, check_after);
`;

const UNFINISHED = StudyStates.filter((state) => !TerminalStates.has(state));
/** What retention removes: deliveries with nothing left to do ('failed' waits for a retry). */
const FINISHED: readonly StudyState[] = ['stored', 'rejected'];

interface StatusRow {
  id: string;
  state: StudyState;
  study_uid: string | null;
  attempts: number;
  outcome: string | null;
  created_at: string;
  updated_at: string;
}

interface StudyRow {
  study_uid: string;
  last_delivery_id: string;
  last_delivery_at: number;
  state: StudyRecord['state'];
  stable_at: number | null;
  check_after: number;
  failures: number;
}

/** Opens (creating it when missing) `<dataDir>/gateway.db`, or an in-memory database for ':memory:'. */
export function openGatewayDb(file: string): GatewayData {
  return new GatewayDb(openDatabase(file, SCHEMA));
}

/**
 * The gateway's SQLite database. better-sqlite3 answers synchronously: each method has done its work when
 * it returns, and hands it back as a settled promise to fit the interface.
 */
class GatewayDb implements GatewayData {
  private readonly statements;
  /** Status writes of one turn of the event loop share a transaction, and so a flush. */
  private readonly commits: GroupCommit;
  private readonly markStableTx;
  private readonly pruneTx;
  /** GET /status's statements, one per combination of filters. */
  private readonly pageStatements = new Map<string, Statement<unknown[]>>();

  constructor(private readonly db: SqliteDatabase) {
    const prepare = (sql: string) => db.prepare(sql);
    const unfinished = UNFINISHED.map(() => '?').join(', ');
    this.statements = {
      updateStatus: prepare(
        'UPDATE statuses SET state = ?, study_uid = ?, attempts = ?, outcome = ?, updated_at = ?, body = ? WHERE id = ?',
      ),
      insertStatus: prepare(
        'INSERT INTO statuses (id, state, study_uid, attempts, outcome, created_at, updated_at, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      readStatus: prepare('SELECT body FROM statuses WHERE id = ?').pluck(),
      stateOf: prepare('SELECT state FROM statuses WHERE id = ?').pluck(),
      unfinished: prepare(`SELECT body FROM statuses WHERE state IN (${unfinished}) ORDER BY id`).pluck(),
      countStatuses: prepare('SELECT COUNT(*) FROM statuses').pluck(),
      countEvents: prepare('SELECT COUNT(*) FROM events WHERE delivery_id = ?').pluck(),
      insertEvent: prepare('INSERT INTO events (delivery_id, type, body) VALUES (?, ?, ?)'),
      readEvents: prepare('SELECT seq, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?'),
      updateStudy: prepare(
        "UPDATE studies SET last_delivery_id = ?, last_delivery_at = ?, state = 'receiving', stable_at = NULL, check_after = ?, failures = 0 WHERE study_uid = ?",
      ),
      insertStudy: prepare(
        "INSERT INTO studies (study_uid, last_delivery_id, last_delivery_at, state, stable_at, check_after, failures) VALUES (?, ?, ?, 'receiving', NULL, ?, 0)",
      ),
      studyRecord: prepare('SELECT * FROM studies WHERE study_uid = ?'),
      dueStudies: prepare("SELECT * FROM studies WHERE state = 'receiving' AND check_after <= ? ORDER BY check_after LIMIT ?"),
      nextCheck: prepare("SELECT MIN(check_after) FROM studies WHERE state = 'receiving'").pluck(),
      deferStudy: prepare(
        'UPDATE studies SET check_after = ?, failures = ? WHERE study_uid = ? AND last_delivery_id = ? AND last_delivery_at = ?',
      ),
      // One state at a time, so that statuses_by_state gives them in id order (no sort of every old row).
      oldStatuses: prepare('SELECT id FROM statuses WHERE state = ? AND id < ? AND updated_at < ? ORDER BY id LIMIT ?').pluck(),
      deleteStatus: prepare('DELETE FROM statuses WHERE id = ?'),
      deleteEventsOf: prepare('DELETE FROM events WHERE delivery_id = ?'),
      // The feed's first event of a delivery or an association made since the cutoff: none before it is newer.
      // `+delivery_id`: read in seq order from the oldest, not through events_by_delivery (all recent events, sorted).
      firstRecentEvent: prepare('SELECT seq FROM events WHERE +delivery_id >= ? ORDER BY seq LIMIT 1').pluck(),
      deleteOldEventsOfNoStatus: prepare(
        `DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE seq < ?
           AND (delivery_id IS NULL OR NOT EXISTS (SELECT 1 FROM statuses WHERE id = events.delivery_id))
           AND json_extract(body, '$.time') < ? ORDER BY seq LIMIT ?)`,
      ),
      // A stable study no kept status names: its row only served those statuses (a later delivery makes it
      // again). `check_after < ?` holds for it too (a study goes stable once its check is due) and lets
      // studies_by_check find the old ones without reading every stable study.
      deleteOldStudies: prepare(
        `DELETE FROM studies WHERE study_uid IN (SELECT study_uid FROM studies WHERE state = 'stable' AND check_after < ?
           AND stable_at < ? AND NOT EXISTS (SELECT 1 FROM statuses WHERE statuses.study_uid = studies.study_uid) LIMIT ?)`,
      ),
      markStable: prepare(
        "UPDATE studies SET state = 'stable', stable_at = ?, failures = 0 WHERE study_uid = ? AND state = 'receiving' AND last_delivery_id = ? AND last_delivery_at = ?",
      ),
    };
    this.commits = new GroupCommit(db);
    this.markStableTx = db.transaction((study: StudyRecord, stableAt: number, event: LifecycleEvent) => {
      const { changes } = this.statements.markStable.run(stableAt, study.StudyInstanceUID, study.lastDeliveryId, study.lastDeliveryAt);
      if (changes === 0) return false;
      this.statements.insertEvent.run(null, event.type, JSON.stringify(event));
      return true;
    });
    // Ids sort by the time they were made (ULIDs), and updated_at is an ISO time: both compare as text.
    this.pruneTx = db.transaction((cutoffId: string, cutoffTime: string, cutoff: number, limit: number) => {
      const { statements } = this;
      const ids: string[] = [];
      for (const state of FINISHED) ids.push(...(statements.oldStatuses.all(state, cutoffId, cutoffTime, limit - ids.length) as string[]));
      let events = 0;
      let studies = 0;
      for (const id of ids) {
        events += statements.deleteEventsOf.run(id).changes;
        statements.deleteStatus.run(id);
      }
      // The other events once the old statuses are gone: their scan from the oldest then passes few rows.
      if (ids.length < limit) {
        const boundary = (statements.firstRecentEvent.get(cutoffId) as number | undefined) ?? Number.MAX_SAFE_INTEGER;
        events += statements.deleteOldEventsOfNoStatus.run(boundary, cutoffTime, limit).changes;
        studies = statements.deleteOldStudies.run(cutoff, cutoff, limit).changes;
      }
      return { statuses: ids.length, events, studies };
    });
  }

  async prune(cutoff: number, limit: number): Promise<Pruned> {
    return this.pruneTx(firstStudyIdAt(cutoff), new Date(cutoff).toISOString(), cutoff, limit);
  }

  writeStatus(status: StatusSnapshot, delivered?: Delivered): Promise<void> {
    return this.commits.run(() => this.writeStatusNow(status, delivered));
  }

  private writeStatusNow(status: StatusSnapshot, delivered: Delivered | undefined): void {
    const { statements } = this;
    const outcome = status.outcome ? JSON.stringify(status.outcome) : null;
    const { changes } = statements.updateStatus.run(
      status.state,
      status.StudyInstanceUID,
      status.attempts,
      outcome,
      status.updatedAt,
      status.json,
      status.id,
    );
    if (changes === 0) {
      statements.insertStatus.run(
        status.id,
        status.state,
        status.StudyInstanceUID,
        status.attempts,
        outcome,
        status.createdAt,
        status.updatedAt,
        status.json,
      );
    }
    // A status's events only grow, and each write appends those past the ones already in the feed, in
    // the same transaction as the status that holds them: the feed never has an event its status lacks.
    const inFeed = statements.countEvents.get(status.id) as number;
    for (const event of status.events.slice(inFeed)) statements.insertEvent.run(status.id, event.type, JSON.stringify(event));
    if (delivered) {
      const { StudyInstanceUID, deliveryId, at, checkAfter } = delivered;
      if (statements.updateStudy.run(deliveryId, at, checkAfter, StudyInstanceUID).changes === 0) {
        statements.insertStudy.run(StudyInstanceUID, deliveryId, at, checkAfter);
      }
    }
  }

  appendEvent(event: LifecycleEvent): Promise<void> {
    return this.commits.run(() => {
      this.statements.insertEvent.run(event.studyId, event.type, JSON.stringify(event));
    });
  }

  async readStatus(id: string): Promise<StudyStatus | undefined> {
    const body = this.statements.readStatus.get(id) as string | undefined;
    return body === undefined ? undefined : (JSON.parse(body) as StudyStatus);
  }

  async stateOf(id: string): Promise<StudyState | undefined> {
    return this.statements.stateOf.get(id) as StudyState | undefined;
  }

  async pageStatuses({ after, state, StudyInstanceUID, limit }: StatusQuery): Promise<{ statuses: StatusLine[]; more: boolean }> {
    const where = ['id > ?'];
    const values: unknown[] = [after ?? ''];
    if (state !== undefined) {
      where.push('state = ?');
      values.push(state);
    }
    if (StudyInstanceUID !== undefined) {
      where.push('study_uid = ?');
      values.push(StudyInstanceUID);
    }
    const sql = `SELECT id, state, study_uid, attempts, outcome, created_at, updated_at FROM statuses WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`;
    // One row more than the page says whether another page follows.
    let statement = this.pageStatements.get(sql);
    if (!statement) this.pageStatements.set(sql, (statement = this.db.prepare<unknown[]>(sql)));
    const rows = statement.all(...values, limit + 1) as StatusRow[];
    const statuses = rows.slice(0, limit).map((row) => ({
      id: row.id,
      state: row.state,
      StudyInstanceUID: row.study_uid,
      outcome: row.outcome === null ? null : (JSON.parse(row.outcome) as Outcome),
      attempts: row.attempts,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    }));
    return { statuses, more: rows.length > limit };
  }

  async unfinishedStatuses(): Promise<StudyStatus[]> {
    return (this.statements.unfinished.all(...UNFINISHED) as string[]).map((body) => JSON.parse(body) as StudyStatus);
  }

  async countStatuses(): Promise<number> {
    return this.statements.countStatuses.get() as number;
  }

  async readEvents(since: number, limit: number): Promise<{ events: SequencedEvent[]; done: boolean }> {
    const rows = this.statements.readEvents.all(since, limit + 1) as { seq: number; body: string }[];
    const events = rows.slice(0, limit).map((row) => ({ seq: row.seq, ...(JSON.parse(row.body) as LifecycleEvent) }));
    return { events, done: rows.length <= limit };
  }

  async studyRecord(StudyInstanceUID: string): Promise<StudyRecord | undefined> {
    const row = this.statements.studyRecord.get(StudyInstanceUID) as StudyRow | undefined;
    return row && recordOf(row);
  }

  async dueStudies(now: number, limit: number): Promise<StudyRecord[]> {
    return (this.statements.dueStudies.all(now, limit) as StudyRow[]).map(recordOf);
  }

  async nextCheck(): Promise<number | null> {
    return (this.statements.nextCheck.get() as number | null) ?? null;
  }

  async deferStudy(study: StudyRecord, checkAfter: number, failures: number): Promise<void> {
    this.statements.deferStudy.run(checkAfter, failures, study.StudyInstanceUID, study.lastDeliveryId, study.lastDeliveryAt);
  }

  async markStable(study: StudyRecord, stableAt: number, event: LifecycleEvent): Promise<boolean> {
    const marked = this.markStableTx(study, stableAt, event);
    // The event is in the feed only once it is on disk.
    await this.commits.durable();
    return marked;
  }

  async close(): Promise<void> {
    this.commits.close();
    if (this.db.open) this.db.close();
  }
}

function recordOf(row: StudyRow): StudyRecord {
  return {
    StudyInstanceUID: row.study_uid,
    lastDeliveryId: row.last_delivery_id,
    lastDeliveryAt: row.last_delivery_at,
    state: row.state,
    stableAt: row.stable_at,
    checkAfter: row.check_after,
    failures: row.failures,
  };
}
