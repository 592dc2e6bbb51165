import type { DescribeResult, InstanceSummary, StudyState } from '@dsv/common';
import { GroupCommit, openDatabase, type SqliteDatabase } from '@dsv/common/db';
import type { Statement } from 'better-sqlite3';
import type { InstanceAttributes, SeriesAttributes, StudySections } from '../domain/metadata/extract-metadata.ts';
import type { StudySummary } from '../domain/metadata/summarise-metadata.ts';

/**
 * The descriptor's catalogue: every DICOM study it keeps (patients → studies → series → instances),
 * every delivery it was sent, and where each file is. The one module that speaks SQL: the statements are
 * portable (tables, indexes, INSERT/UPDATE/SELECT, transactions), so a PostgreSQL twin only adds a module.
 * The folders stay the truth for the files: `npm run reindex` rebuilds this from them.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS studies (
  study_uid TEXT PRIMARY KEY,
  first_delivery_id TEXT NOT NULL UNIQUE,
  last_delivery_id TEXT NOT NULL,
  state TEXT NOT NULL,
  patient_id TEXT,
  study_date TEXT,
  accession_number TEXT,
  modalities TEXT NOT NULL,
  series_count INTEGER NOT NULL,
  instance_count INTEGER NOT NULL,
  total_bytes INTEGER NOT NULL,
  sections TEXT NOT NULL,
  study_log TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  stable_at TEXT,
  documents_due INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS studies_by_patient ON studies (patient_id);
CREATE INDEX IF NOT EXISTS studies_by_accession ON studies (accession_number);
CREATE INDEX IF NOT EXISTS studies_by_date ON studies (study_date);
CREATE INDEX IF NOT EXISTS studies_by_documents_due ON studies (documents_due);
CREATE INDEX IF NOT EXISTS studies_by_state ON studies (state, first_delivery_id);
CREATE TABLE IF NOT EXISTS series (
  series_uid TEXT PRIMARY KEY,
  study_uid TEXT NOT NULL,
  attributes TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS series_by_study ON series (study_uid);
CREATE TABLE IF NOT EXISTS instances (
  sop_instance_uid TEXT PRIMARY KEY,
  study_uid TEXT NOT NULL,
  series_uid TEXT NOT NULL,
  delivery_id TEXT NOT NULL,
  file TEXT NOT NULL,
  path TEXT NOT NULL,
  size_bytes INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  transfer_syntax TEXT,
  attributes TEXT NOT NULL,
  summary TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS instances_by_study ON instances (study_uid);
CREATE TABLE IF NOT EXISTS deliveries (
  delivery_id TEXT PRIMARY KEY,
  study_uid TEXT,
  disposition TEXT NOT NULL,
  received_at TEXT NOT NULL,
  described_at TEXT NOT NULL,
  summary TEXT NOT NULL,
  result TEXT NOT NULL,
  log TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_by_study ON deliveries (study_uid, delivery_id);
CREATE INDEX IF NOT EXISTS deliveries_by_disposition ON deliveries (disposition, delivery_id);
`;

/** A study, or a rejected delivery, as GET /studies lists it. */
export interface ListedStudy {
  /** The folder's name: the StudyInstanceUID of a study, the delivery id of a rejected delivery. */
  id: string;
  state: StudyState | 'rejected';
  createdAt: string;
  updatedAt: string;
  summary: StudySummary;
  hasMetadata: boolean;
}

export interface StoredInstance {
  SOPInstanceUID: string;
  StudyInstanceUID: string;
  SeriesInstanceUID: string;
  deliveryId: string;
  /** The delivery's stored name ('0001.dcm'). */
  file: string;
  /** Relative to the study folder. */
  path: string;
  sizeBytes: number;
  sha256: string;
  transferSyntax: string | null;
}

export interface CatalogueInstance extends StoredInstance {
  attributes: InstanceAttributes;
  summary: InstanceSummary;
}

export interface StoredStudy {
  StudyInstanceUID: string;
  state: StudyState;
  firstDeliveryId: string;
  lastDeliveryId: string;
  sections: StudySections;
  createdAt: string;
  updatedAt: string;
  stableAt: string | null;
  /** A study-level section of validation.log, written when the study went stable. */
  studyLog: string | null;
  numberOfSeries: number;
  numberOfInstances: number;
  totalBytes: number;
  /** The catalogue changed after the study's documents were last written. */
  documentsDue: boolean;
}

/** One delivery that joined a study: what it added, and the validation.log section it wrote. */
export interface JoiningDelivery {
  deliveryId: string;
  receivedAt: string;
  describedAt: string;
  sections: StudySections;
  /** Each new series' attributes (from its first instance). */
  series: { SeriesInstanceUID: string; attributes: SeriesAttributes }[];
  added: CatalogueInstance[];
  /** Instances whose `path` changes (the single original.dcm of a study that now has more). */
  moved: { SOPInstanceUID: string; path: string }[];
  result: DescribeResult;
  log: string;
}

export interface RecordedDelivery {
  deliveryId: string;
  studyUid: string | null;
  disposition: 'stored' | 'rejected';
  result: DescribeResult;
}

export interface StudyQueryFilter {
  limit: number;
  cursor?: string | undefined;
  state?: StudyState | 'rejected' | undefined;
  PatientID?: string | undefined;
  AccessionNumber?: string | undefined;
  /** ISO dates, inclusive; either end open. */
  StudyDate?: { from: string | null; to: string | null } | undefined;
  ModalitiesInStudy?: ReadonlySet<string> | undefined;
}

interface StudyRow {
  study_uid: string;
  first_delivery_id: string;
  last_delivery_id: string;
  state: StudyState;
  patient_id: string | null;
  study_date: string | null;
  accession_number: string | null;
  modalities: string;
  series_count: number;
  instance_count: number;
  total_bytes: number;
  sections: string;
  study_log: string | null;
  created_at: string;
  updated_at: string;
  stable_at: string | null;
  documents_due: number;
}

interface InstanceRow {
  sop_instance_uid: string;
  study_uid: string;
  series_uid: string;
  delivery_id: string;
  file: string;
  path: string;
  size_bytes: number;
  sha256: string;
  transfer_syntax: string | null;
  attributes: string;
  summary: string;
}

interface DeliveryRow {
  delivery_id: string;
  study_uid: string | null;
  disposition: 'stored' | 'rejected';
  received_at: string;
  described_at: string;
  summary: string;
  result: string;
  log: string;
}

export class Catalogue {
  readonly #db: SqliteDatabase;
  /** Each statement is compiled once: compiling cost more than running most of them. */
  readonly #statements = new Map<string, Statement>();
  readonly #commits: GroupCommit;

  constructor(file: string) {
    this.#db = openDatabase(file, SCHEMA);
    this.#commits = new GroupCommit(this.#db);
  }

  #sql(sql: string): Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  close(): void {
    this.#commits.close();
    this.#db.close();
  }

  /**
   * Runs `work` in one transaction, all or nothing; it is on disk once `durable()` resolves (or the next
   * group commit's flush has run), not when this returns.
   */
  transaction<T>(work: () => T): T {
    return this.#db.transaction(work)();
  }

  /**
   * Runs `work` in a transaction shared with the other writes asked for in this turn of the event loop
   * (GroupCommit): all of it is on disk when the promise resolves, or none of it.
   */
  commit<T>(work: () => T): Promise<T> {
    return this.#commits.run(work);
  }

  /** Resolves once every write made so far is on disk. */
  durable(): Promise<void> {
    return this.#commits.durable();
  }

  study(uid: string): StoredStudy | null {
    const row = this.#sql('SELECT * FROM studies WHERE study_uid = ?').get(uid) as StudyRow | undefined;
    return row ? toStudy(row) : null;
  }

  /** Instances of the catalogue with these SOP Instance UIDs, in any study. */
  instancesByUid(uids: readonly string[]): Map<string, StoredInstance> {
    const found = new Map<string, StoredInstance>();
    const select = this.#sql('SELECT * FROM instances WHERE sop_instance_uid = ?');
    for (const uid of new Set(uids)) {
      const row = select.get(uid) as InstanceRow | undefined;
      if (row) found.set(uid, toInstance(row));
    }
    return found;
  }

  /** Every instance of a study, with what metadata.json and the study checks need, in the order they joined. */
  studyInstances(uid: string): CatalogueInstance[] {
    return this.studyInstancesAfter(uid, 0).instances;
  }

  /** The instances that joined a study after `row` (a `last` this answered before), and the new `last`. */
  studyInstancesAfter(uid: string, row: number): { instances: CatalogueInstance[]; last: number } {
    const rows = this.#sql('SELECT rowid AS row_id, * FROM instances WHERE study_uid = ? AND rowid > ? ORDER BY rowid').all(
      uid,
      row,
    ) as (InstanceRow & { row_id: number })[];
    return {
      instances: rows.map((r) => ({ ...toInstance(r), attributes: JSON.parse(r.attributes), summary: JSON.parse(r.summary) })),
      last: rows.at(-1)?.row_id ?? row,
    };
  }

  studySeries(uid: string): Map<string, SeriesAttributes> {
    const rows = this.#sql('SELECT series_uid, attributes FROM series WHERE study_uid = ?').all(uid) as {
      series_uid: string;
      attributes: string;
    }[];
    return new Map(rows.map((row) => [row.series_uid, JSON.parse(row.attributes)]));
  }

  /**
   * The validation.log sections of the deliveries that joined a study after catalogue row `after` (0: all),
   * in the order they joined, and the row the last one reaches.
   */
  studyDeliveryLogsAfter(uid: string, after: number): { logs: string[]; last: number } {
    const rows = this.#sql(
      "SELECT rowid, log FROM deliveries WHERE study_uid = ? AND disposition = 'stored' AND rowid > ? ORDER BY rowid",
    ).all(uid, after) as {
      rowid: number;
      log: string;
    }[];
    return { logs: rows.map((row) => row.log), last: rows.at(-1)?.rowid ?? after };
  }

  delivery(id: string): RecordedDelivery | null {
    const row = this.#sql('SELECT * FROM deliveries WHERE delivery_id = ?').get(id) as DeliveryRow | undefined;
    return row
      ? { deliveryId: row.delivery_id, studyUid: row.study_uid, disposition: row.disposition, result: JSON.parse(row.result) }
      : null;
  }

  /**
   * Records a delivery joining its study, creating the study at its first delivery: instances, series,
   * counts, the study `receiving` again, its documents due. Call inside `transaction`.
   */
  joinStudy(studyUid: string, delivery: JoiningDelivery, summary: StudySummary & { totalBytes: number }): void {
    const existing = this.study(studyUid);
    if (existing === null) {
      this.#sql(
        `INSERT INTO studies (study_uid, first_delivery_id, last_delivery_id, state, patient_id, study_date,
          accession_number, modalities, series_count, instance_count, total_bytes, sections, study_log, created_at, updated_at, stable_at, documents_due)
         VALUES (?, ?, ?, 'receiving', ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, NULL, 1)`,
      ).run(
        studyUid,
        delivery.deliveryId,
        delivery.deliveryId,
        delivery.sections.patient.PatientID,
        summary.StudyDate,
        summary.AccessionNumber,
        summary.modalities.join(','),
        summary.numberOfSeries,
        summary.numberOfInstances,
        summary.totalBytes,
        JSON.stringify(delivery.sections),
        delivery.describedAt,
        delivery.describedAt,
      );
    } else {
      this.#sql(
        `UPDATE studies SET last_delivery_id = ?, state = 'receiving', modalities = ?, series_count = ?, instance_count = ?, total_bytes = ?,
          updated_at = ?, documents_due = 1 WHERE study_uid = ?`,
      ).run(
        delivery.deliveryId,
        summary.modalities.join(','),
        summary.numberOfSeries,
        summary.numberOfInstances,
        summary.totalBytes,
        delivery.describedAt,
        studyUid,
      );
    }
    const insertSeries = this.#sql(
      'INSERT INTO series (series_uid, study_uid, attributes) VALUES (?, ?, ?) ON CONFLICT (series_uid) DO NOTHING',
    );
    for (const series of delivery.series) insertSeries.run(series.SeriesInstanceUID, studyUid, JSON.stringify(series.attributes));
    const insertInstance = this.#sql(
      `INSERT INTO instances (sop_instance_uid, study_uid, series_uid, delivery_id, file, path, size_bytes, sha256, transfer_syntax, attributes, summary)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const i of delivery.added) {
      insertInstance.run(
        i.SOPInstanceUID,
        studyUid,
        i.SeriesInstanceUID,
        i.deliveryId,
        i.file,
        i.path,
        i.sizeBytes,
        i.sha256,
        i.transferSyntax,
        JSON.stringify(i.attributes),
        JSON.stringify(i.summary),
      );
    }
    const move = this.#sql('UPDATE instances SET path = ? WHERE sop_instance_uid = ?');
    for (const moved of delivery.moved) move.run(moved.path, moved.SOPInstanceUID);
    // The join runs under the study's lock after checking for a record: one there now is a bug, and rolls the join back.
    if (
      !this.recordDelivery({ deliveryId: delivery.deliveryId, studyUid, disposition: 'stored', result: delivery.result }, delivery, summary)
    ) {
      throw new Error(`delivery ${delivery.deliveryId} is recorded already`);
    }
  }

  /**
   * Records a delivery's answer, so that a retry of it is answered the same without writing anything.
   * Answers false, recording nothing, when it is recorded already: concurrent calls for one rejected
   * delivery record the same answer, the first one stays.
   */
  recordDelivery(
    recorded: RecordedDelivery,
    times: { receivedAt: string; describedAt: string; log: string },
    summary: StudySummary,
  ): boolean {
    const inserted = this.#sql(
      `INSERT INTO deliveries (delivery_id, study_uid, disposition, received_at, described_at, summary, result, log)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (delivery_id) DO NOTHING`,
    ).run(
      recorded.deliveryId,
      recorded.studyUid,
      recorded.disposition,
      times.receivedAt,
      times.describedAt,
      JSON.stringify(summary),
      JSON.stringify(recorded.result),
      times.log,
    );
    return inserted.changes === 1;
  }

  /** The studies whose documents a crash may have left behind their catalogue entry. */
  studiesWithDocumentsDue(): string[] {
    return (this.#sql('SELECT study_uid FROM studies WHERE documents_due = 1').all() as { study_uid: string }[]).map(
      (row) => row.study_uid,
    );
  }

  /** The study's documents were rewritten from the catalogue: unless a delivery joined since (`asOf`). */
  documentsWritten(uid: string, asOf: string): void {
    this.#sql('UPDATE studies SET documents_due = 0 WHERE study_uid = ? AND last_delivery_id = ?').run(uid, asOf);
  }

  /**
   * Marks the study stable with its study-level log section, unless a delivery after `lastDeliveryId`
   * joined it meanwhile. Answers whether it did.
   */
  markStable(uid: string, lastDeliveryId: string, studyLog: string, at: string): boolean {
    const changed = this.#sql(
      "UPDATE studies SET state = 'stable', study_log = ?, stable_at = ?, documents_due = 1 WHERE study_uid = ? AND last_delivery_id = ?",
    ).run(studyLog, at, uid, lastDeliveryId);
    return changed.changes === 1;
  }

  /** A study or a rejected delivery, by the name of its folder. */
  find(id: string): ListedStudy | null {
    const study = this.#sql('SELECT * FROM studies WHERE study_uid = ?').get(id) as StudyRow | undefined;
    if (study) return listedStudy(study);
    const delivery = this.#sql("SELECT * FROM deliveries WHERE delivery_id = ? AND disposition = 'rejected'").get(id) as
      DeliveryRow | undefined;
    return delivery ? listedDelivery(delivery) : null;
  }

  /** The study a stored delivery joined. */
  studyOfDelivery(id: string): string | null {
    const row = this.#sql("SELECT study_uid FROM deliveries WHERE delivery_id = ? AND disposition = 'stored'").get(id) as
      { study_uid: string } | undefined;
    return row?.study_uid ?? null;
  }

  /**
   * One page of GET /studies, newest first (by the delivery that created each), after the cursor: the
   * id of that first delivery. Studies and rejected deliveries are two lists; `state=rejected` asks for
   * the second.
   */
  list(query: StudyQueryFilter): { studies: ListedStudy[]; nextCursor: string | null } {
    const rejected = query.state === 'rejected';
    const key = rejected ? 'delivery_id' : 'first_delivery_id';
    const where: string[] = [];
    const params: unknown[] = [];
    const filter = (clause: string, value: unknown): void => {
      where.push(clause);
      params.push(value);
    };
    if (rejected) where.push("disposition = 'rejected'");
    // A study is listed stable once its documents are written: until then it is still receiving.
    else if (query.state === 'stable') where.push("state = 'stable' AND documents_due = 0");
    else if (query.state === 'receiving') where.push("(state = 'receiving' OR documents_due = 1)");
    if (query.cursor !== undefined) filter(`${key} < ?`, query.cursor);
    if (!rejected) {
      if (query.PatientID !== undefined) filter('patient_id = ?', query.PatientID);
      if (query.AccessionNumber !== undefined) filter('accession_number = ?', query.AccessionNumber);
      if (query.StudyDate?.from) filter('study_date >= ?', query.StudyDate.from);
      if (query.StudyDate?.to) filter('study_date <= ?', query.StudyDate.to);
      if (query.ModalitiesInStudy !== undefined) {
        const wanted = [...query.ModalitiesInStudy];
        // Escaped: a Code String may hold '_' (PS3.5 §6.2), which LIKE would take for any one character.
        where.push(`(${wanted.map(() => "(',' || modalities || ',') LIKE ? ESCAPE '\\'").join(' OR ')})`);
        params.push(...wanted.map((modality) => `%,${modality.replace(/[\\%_]/g, '\\$&')},%`));
      }
    }
    const table = rejected ? 'deliveries' : 'studies';
    const sql = `SELECT * FROM ${table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${key} DESC LIMIT ?`;
    const rows = this.#sql(sql).all(...params, query.limit + 1) as (StudyRow | DeliveryRow)[];
    const more = rows.length > query.limit;
    const page = rows.slice(0, query.limit);
    const studies = page.map((row) => (rejected ? listedDelivery(row as DeliveryRow) : listedStudy(row as StudyRow)));
    const last = page.at(-1);
    const nextCursor = more && last ? (rejected ? (last as DeliveryRow).delivery_id : (last as StudyRow).first_delivery_id) : null;
    return { studies, nextCursor };
  }

  counts(): { studies: number; instances: number; rejected: number } {
    const one = (sql: string) => (this.#sql(sql).get() as { n: number }).n;
    return {
      studies: one('SELECT COUNT(*) AS n FROM studies'),
      instances: one('SELECT COUNT(*) AS n FROM instances'),
      rejected: one("SELECT COUNT(*) AS n FROM deliveries WHERE disposition = 'rejected'"),
    };
  }

  /** The bytes of every stored study's instances, as recorded at each join (GET /metrics: no walk of studies/). */
  storedBytes(): number {
    return (this.#sql('SELECT COALESCE(SUM(total_bytes), 0) AS n FROM studies').get() as { n: number }).n;
  }

  /** Empties every table (npm run reindex, before it reads the folders again). */
  clear(): void {
    this.#db.exec('DELETE FROM instances; DELETE FROM series; DELETE FROM deliveries; DELETE FROM studies;');
  }
}

function toStudy(row: StudyRow): StoredStudy {
  return {
    StudyInstanceUID: row.study_uid,
    state: row.state,
    firstDeliveryId: row.first_delivery_id,
    lastDeliveryId: row.last_delivery_id,
    sections: JSON.parse(row.sections),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    stableAt: row.stable_at,
    studyLog: row.study_log,
    numberOfSeries: row.series_count,
    numberOfInstances: row.instance_count,
    totalBytes: row.total_bytes,
    documentsDue: row.documents_due === 1,
  };
}

function toInstance(row: InstanceRow): StoredInstance {
  return {
    SOPInstanceUID: row.sop_instance_uid,
    StudyInstanceUID: row.study_uid,
    SeriesInstanceUID: row.series_uid,
    deliveryId: row.delivery_id,
    file: row.file,
    path: row.path,
    sizeBytes: row.size_bytes,
    sha256: row.sha256,
    transferSyntax: row.transfer_syntax,
  };
}

function listedStudy(row: StudyRow): ListedStudy {
  return {
    id: row.study_uid,
    // Stable once its documents are written (stabilise-study.ts marks it, then writes them).
    state: row.state === 'stable' && row.documents_due === 1 ? 'receiving' : row.state,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    summary: {
      StudyInstanceUID: row.study_uid,
      PatientID: row.patient_id,
      StudyDate: row.study_date,
      AccessionNumber: row.accession_number,
      modalities: row.modalities === '' ? [] : row.modalities.split(','),
      numberOfSeries: row.series_count,
      numberOfInstances: row.instance_count,
    },
    hasMetadata: true,
  };
}

function listedDelivery(row: DeliveryRow): ListedStudy {
  const result = JSON.parse(row.result) as DescribeResult;
  return {
    id: row.delivery_id,
    state: 'rejected',
    createdAt: row.described_at,
    updatedAt: row.described_at,
    summary: JSON.parse(row.summary),
    hasMetadata: result.files.metadata !== null,
  };
}
