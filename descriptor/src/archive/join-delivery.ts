import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import {
  AppError,
  isValidUid,
  syncDirectory,
  type DescribeRequest,
  type DescribeResult,
  type EventBus,
  type EventContext,
  type Finding,
  type Join,
  type JoinedStudy,
  type Refusal,
} from '@dsv/common';
import type { Catalogue, CatalogueInstance, StoredStudy } from '../data/catalogue.ts';
import type { DescribedFile } from '../domain/intake/compose-study.ts';
import type { SeriesAttributes, StudySections } from '../domain/metadata/extract-metadata.ts';
import { judgeDelivery, type OnReencoded } from '../domain/study/judge-delivery.ts';
import { formatValidationLog } from '../domain/study/format-validation-log.ts';
import { displayPath, StudyLayout } from '../domain/study/study-folder.ts';
import type { KeyedLock, Settled } from './keyed-lock.ts';
import { placeFile, type FileSource } from './place-file.ts';
import type { StudyDocuments } from './study-documents.ts';

export interface JoinDeps {
  catalogue: Catalogue;
  documents: StudyDocuments;
  locks: KeyedLock;
  events: EventBus;
  studiesDir: string;
  onReencoded: OnReencoded;
  now: () => Date;
}

/** `recorded`: the same delivery joined while this call waited for the lock; its recorded answer stands. */
export type JoinOutcome =
  | { joined: DescribeResult }
  /** `study`: the stored study that refused the delivery, as it is (untouched). */
  | { refused: { findings: Finding[]; refusal: Refusal; study: JoinedStudy } }
  | { recorded: true };

/**
 * A valid delivery joins its DICOM study, all or nothing: under the study's lock, with the deliveries of
 * the study that waited for it at the same time (`joinGroup`), it is judged against the catalogue
 * (judge-delivery.ts); its new files are renamed into `studies/<StudyInstanceUID>/` and flushed, then the
 * catalogue records them in one transaction; once the lock is released, the documents are rewritten
 * (StudyDocuments.afterJoin: before the answer for a study of a few instances unless the request says not
 * to wait, coalesced over time for a large one). A crash before the commit leaves files the catalogue does
 * not list (the gateway runs the delivery again and they are renamed over); after it, the documents are due
 * and rewritten at start-up (StudyDocuments.repair).
 */
export async function joinDelivery(
  request: DescribeRequest,
  source: FileSource,
  files: readonly DescribedFile[],
  context: EventContext,
  deps: JoinDeps,
): Promise<JoinOutcome> {
  const sections = files.find((file) => file.sections !== null)?.sections;
  const seen = new Set<string>();
  const described = files.map((file) => {
    const uid = file.attributes?.instance.SOPInstanceUID ?? null;
    if (file.attributes === null || uid === null || !isValidUid(uid)) {
      throw new AppError('REQUEST_INVALID', 'A file of a valid delivery has no valid SOP Instance UID', { file: file.file });
    }
    // Checked before anything is placed: two files would be renamed onto one path (the validator refuses such deliveries already).
    if (seen.has(uid))
      throw new AppError('REQUEST_INVALID', 'Two files of a valid delivery have the same SOP Instance UID', {
        file: file.file,
        SOPInstanceUID: uid,
      });
    seen.add(uid);
    return { file, uid, attributes: file.attributes };
  });
  const studyUid = sections?.study.StudyInstanceUID ?? null;
  // The folder is named by the UID: only after its grammar (PS3.5 §9.1) has been checked.
  if (!sections || studyUid === null || !isValidUid(studyUid))
    throw new AppError('REQUEST_INVALID', 'A valid delivery has no valid StudyInstanceUID');

  const outcome = await deps.locks.batch(studyUid, { request, source, described, sections }, (jobs) => joinTogether(studyUid, jobs, deps));
  // Outside the lock: the joins that commit while one rewrite runs share the next one.
  if ('joined' in outcome)
    await deps.documents.afterJoin(studyUid, outcome.joined.study!.numberOfInstances, request.awaitDocuments !== false);
  return outcome;
}

/** A delivery checked and read, waiting for its study's lock. */
export interface PendingJoin {
  request: DescribeRequest;
  source: FileSource;
  described: { file: DescribedFile; uid: string; attributes: NonNullable<DescribedFile['attributes']> }[];
  sections: StudySections;
}

/** Deliveries of one study joined in one turn of its lock at most (their files are placed side by side). */
const MAX_JOINED_TOGETHER = 64;

/**
 * The deliveries of one study that waited for its lock, joined in turns (`joinGroup`), in the order they
 * came; each settles on its own.
 */
async function joinTogether(studyUid: string, jobs: PendingJoin[], deps: JoinDeps): Promise<Settled<JoinOutcome>[]> {
  const settled: Settled<JoinOutcome>[] = [];
  while (settled.length < jobs.length) {
    const rest = jobs.slice(settled.length, settled.length + MAX_JOINED_TOGETHER);
    const group = rest.slice(0, takenBy(rest, deps.catalogue.study(studyUid) === null));
    try {
      settled.push(...(await joinGroup(studyUid, group, deps)));
    } catch (error) {
      // The group's folders or commit failed: each of its deliveries is told (the gateway retries them).
      for (const _ of group) settled.push({ ok: false, error });
    }
  }
  return settled;
}

/**
 * How many of `jobs` one group takes. The group's deliveries are all judged against the catalogue as it
 * was before the group, which is what each would have met after those before it had committed only while
 * none of them could change another's judgement: so the group stops before a delivery that brings an
 * instance an earlier one brings too, and takes nothing after a delivery that creates the study (whose
 * patient becomes the study's only once committed).
 */
export function takenBy(jobs: readonly PendingJoin[], studyIsNew: boolean): number {
  if (studyIsNew) return 1;
  const seen = new Set<string>();
  let taken = 0;
  for (const job of jobs) {
    if (job.described.some(({ uid }) => seen.has(uid))) break;
    for (const { uid } of job.described) seen.add(uid);
    taken += 1;
  }
  return taken;
}

/**
 * One turn of the study's lock for a group of its deliveries (`takenBy`): each is
 * judged against the catalogue (judge-delivery.ts); the new files of those it accepts are renamed or
 * linked into `studies/<StudyInstanceUID>/`, their folders flushed once, then the catalogue records
 * every join in one transaction. A delivery whose files cannot be placed fails alone.
 */
async function joinGroup(studyUid: string, group: readonly PendingJoin[], deps: JoinDeps): Promise<Settled<JoinOutcome>[]> {
  const { catalogue } = deps;
  const study = catalogue.study(studyUid);
  const settled: Settled<JoinOutcome>[] = new Array(group.length);
  const accepted: { index: number; job: PendingJoin; judgement: ReturnType<typeof judgeDelivery> }[] = [];
  for (const [index, job] of group.entries()) {
    // A retry that overtook its first call (the gateway timed out) found no record before the lock.
    if (catalogue.delivery(job.request.studyId)) {
      settled[index] = { ok: true, value: { recorded: true } };
      continue;
    }
    const judgement = judgeDelivery({
      delivered: job.described.map(({ file, uid, attributes }) => ({
        file: file.file,
        SOPInstanceUID: uid,
        sha256: file.sha256,
        transferSyntax: attributes.instance.TransferSyntaxUID,
      })),
      stored: catalogue.instancesByUid(job.described.map((entry) => entry.uid)),
      storedPatient: study?.sections.patient ?? null,
      deliveredPatient: job.sections.patient,
      onReencoded: deps.onReencoded,
    });
    if (judgement.refusal) {
      const refused = {
        findings: judgement.findings,
        refusal: judgement.refusal,
        study: refusingStudy(catalogue, study, judgement.refusal),
      };
      settled[index] = { ok: true, value: { refused } };
    } else accepted.push({ index, job, judgement });
  }

  const dir = path.join(deps.studiesDir, studyUid);
  const before = study?.numberOfInstances ?? 0;
  const total = before + accepted.reduce((sum, { judgement }) => sum + judgement.added.length, 0);
  const pathOf = (uid: string) => (total === 1 ? StudyLayout.original : `${StudyLayout.originals}/${uid}.dcm`);
  // The study's single instance moves into originals/ once it has company (after the commit).
  const moved = before === 1 && total > 1 ? catalogue.studyInstances(studyUid).filter((i) => i.path === StudyLayout.original) : [];

  const folders = new Set<string>();
  const placed: (typeof accepted)[number][] = [];
  for (const entry of accepted) {
    const addedUids = new Set(entry.judgement.added.map((instance) => instance.SOPInstanceUID));
    const moves = entry.job.described
      .filter(({ uid }) => addedUids.has(uid))
      .map(({ file, uid }) => ({ from: file.file, to: pathOf(uid) }));
    try {
      await placeFiles(dir, entry.job.source, moves, folders);
      placed.push(entry);
    } catch (error) {
      settled[entry.index] = { ok: false, error };
    }
  }
  await Promise.all([...folders].map(syncDirectory));

  if (placed.length === 0) return settled;
  const results = await catalogue.commit(() => {
    let counted = { numberOfInstances: before, totalBytes: study?.totalBytes ?? 0 };
    return placed.map(({ job, judgement }, order) => {
      const { request, described, sections } = job;
      const summaries = new Map(request.report.instances.map((summary) => [summary.file, summary]));
      const addedUids = new Set(judgement.added.map((instance) => instance.SOPInstanceUID));
      const describedAt = deps.now().toISOString();
      const added: CatalogueInstance[] = described
        .filter(({ uid }) => addedUids.has(uid))
        .map(({ file, uid, attributes }) => ({
          SOPInstanceUID: uid,
          StudyInstanceUID: studyUid,
          SeriesInstanceUID: attributes.series.SeriesInstanceUID ?? '',
          deliveryId: request.studyId,
          file: file.file,
          path: pathOf(uid),
          sizeBytes: file.sizeBytes,
          sha256: file.sha256,
          transferSyntax: attributes.instance.TransferSyntaxUID,
          attributes: attributes.instance,
          summary: summaries.get(file.file) ?? { file: file.file, sizeBytes: file.sizeBytes, readable: true },
        }));
      const newSeries = new Map(
        described
          .filter(({ uid }) => addedUids.has(uid))
          .map(({ attributes }) => [attributes.series.SeriesInstanceUID ?? '', attributes.series]),
      );
      const log = formatValidationLog({
        studyId: request.studyId,
        createdAt: describedAt,
        disposition: 'stored',
        report: { ...request.report, warnings: [...request.report.warnings, ...judgement.findings] },
        files: request.files,
        join: judgement.join,
      });
      const counts = countAfterJoin(catalogue, counted, studyUid, added, newSeries);
      counted = counts;
      const answer = joinedResult(
        request.studyId,
        dir,
        { StudyInstanceUID: studyUid, ...counts },
        judgement.join,
        judgement.findings,
        added,
      );
      catalogue.joinStudy(
        studyUid,
        {
          deliveryId: request.studyId,
          receivedAt: request.receivedAt,
          describedAt,
          sections,
          series: [...newSeries].map(([SeriesInstanceUID, attributes]) => ({ SeriesInstanceUID, attributes })),
          added,
          // The single instance moved into originals/ is recorded with the group's first join.
          moved: order === 0 ? moved.map((i) => ({ SOPInstanceUID: i.SOPInstanceUID, path: pathOf(i.SOPInstanceUID) })) : [],
          result: answer,
          log,
        },
        studySummary(studyUid, sections, counts),
      );
      return answer;
    });
  });
  if (moved.length > 0) {
    await mkdir(path.join(dir, StudyLayout.originals), { recursive: true });
    for (const instance of moved) renameSync(path.join(dir, StudyLayout.original), path.join(dir, pathOf(instance.SOPInstanceUID)));
    await Promise.all([syncDirectory(dir), syncDirectory(path.join(dir, StudyLayout.originals))]);
  }
  for (const [order, { index }] of placed.entries()) settled[index] = { ok: true, value: { joined: results[order]! } };
  return settled;
}

/**
 * The study that refused a delivery, as it is: its own study for another patient, or for an instance it
 * holds; when the delivery's study is new, the one holding the other version of its first conflict.
 */
function refusingStudy(catalogue: Catalogue, own: StoredStudy | null, refusal: Refusal): JoinedStudy {
  const conflict = refusal.conflicts?.[0];
  const holder =
    own ?? catalogue.study(catalogue.instancesByUid([conflict!.SOPInstanceUID]).get(conflict!.SOPInstanceUID)!.StudyInstanceUID)!;
  return {
    StudyInstanceUID: holder.StudyInstanceUID,
    state: holder.state,
    numberOfSeries: holder.numberOfSeries,
    numberOfInstances: holder.numberOfInstances,
  };
}

/**
 * The study's counts once `added` has joined it (inside the join's transaction, so they are exact);
 * `study` is the study as read under the lock, null when the delivery creates it.
 */
function countAfterJoin(
  catalogue: Catalogue,
  counted: { numberOfInstances: number; totalBytes: number },
  uid: string,
  added: readonly CatalogueInstance[],
  newSeries: ReadonlyMap<string, SeriesAttributes>,
) {
  const series = catalogue.studySeries(uid);
  for (const [seriesUid, attributes] of newSeries) if (!series.has(seriesUid)) series.set(seriesUid, attributes);
  const modalities = [...new Set([...series.values()].map((s) => s.Modality).filter((m): m is string => m !== null))].sort();
  return {
    numberOfSeries: series.size,
    numberOfInstances: counted.numberOfInstances + added.length,
    totalBytes: counted.totalBytes + added.reduce((sum, i) => sum + i.sizeBytes, 0),
    modalities,
  };
}

/** The answer recorded for a delivery that joined its study (a join, or a delivery found by npm run reindex). */
export function joinedResult(
  deliveryId: string,
  dir: string,
  study: { StudyInstanceUID: string; numberOfSeries: number; numberOfInstances: number },
  join: Join,
  warnings: Finding[],
  added: readonly CatalogueInstance[],
): DescribeResult {
  return {
    studyId: deliveryId,
    disposition: 'stored',
    alreadyStored: false,
    directory: displayPath(dir),
    study: {
      StudyInstanceUID: study.StudyInstanceUID,
      state: 'receiving',
      numberOfSeries: study.numberOfSeries,
      numberOfInstances: study.numberOfInstances,
    },
    join,
    refusal: null,
    warnings,
    files: {
      originals: added.map((i) => ({
        file: i.file,
        path: displayPath(path.join(dir, i.path)),
        sizeBytes: i.sizeBytes,
        sha256: i.sha256,
        SOPInstanceUID: i.SOPInstanceUID,
      })),
      metadata: displayPath(path.join(dir, StudyLayout.metadata)),
      validationLog: displayPath(path.join(dir, StudyLayout.validationLog)),
    },
    events: [],
  };
}

/** The catalogue's summary of a study: its first delivery's patient and study attributes, and its counts. */
export function studySummary(
  uid: string,
  sections: StudySections,
  counts: { modalities: string[]; numberOfSeries: number; numberOfInstances: number; totalBytes: number },
) {
  return {
    ...counts,
    StudyInstanceUID: uid,
    PatientID: sections.patient.PatientID,
    StudyDate: sections.study.StudyDate,
    AccessionNumber: sections.study.AccessionNumber,
  };
}

/**
 * Puts a delivery's new files into the study folder (renamed, or linked from staging); once they all are,
 * adds to `folders` the folders the caller flushes (a delivery that fails adds none: its folders may not exist).
 */
async function placeFiles(
  dir: string,
  source: FileSource,
  moves: readonly { from: string; to: string }[],
  folders: Set<string>,
): Promise<void> {
  const touched = new Set<string>();
  for (const { from, to } of moves) {
    const target = path.join(dir, to);
    const folder = path.dirname(target);
    touched.add(folder);
    // A folder made now (the study's, or its originals/) is an entry of its parent, flushed with it.
    if (!existsSync(folder)) {
      for (let made = folder; made !== path.dirname(dir) && !existsSync(made); made = path.dirname(made)) touched.add(path.dirname(made));
      mkdirSync(folder, { recursive: true });
    }
    await placeFile(source, from, target);
  }
  for (const folder of touched) folders.add(folder);
}
