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
import type { KeyedLock } from './keyed-lock.ts';
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
 * A valid delivery joins its DICOM study, all or nothing: under the study's lock, it is judged against the
 * catalogue (judge-delivery.ts); its new files are renamed into `studies/<StudyInstanceUID>/` and flushed,
 * then the catalogue records them in one transaction; once the lock is released, the documents are
 * rewritten (StudyDocuments.afterJoin: before the answer for a study of a few instances, coalesced over
 * time for a large one). A crash before the
 * commit leaves files the catalogue does not list (the gateway runs the delivery again and they are
 * renamed over); after it, the documents are due and rewritten at start-up (StudyDocuments.repair).
 */
export async function joinDelivery(
  request: DescribeRequest,
  source: FileSource,
  files: readonly DescribedFile[],
  context: EventContext,
  deps: JoinDeps,
): Promise<JoinOutcome> {
  const summaries = new Map(request.report.instances.map((summary) => [summary.file, summary]));
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

  const outcome = await deps.locks.run(studyUid, async (): Promise<JoinOutcome> => {
    const { catalogue } = deps;
    // A retry that overtook its first call (the gateway timed out) found no record before the lock.
    if (catalogue.delivery(request.studyId)) return { recorded: true };
    const study = catalogue.study(studyUid);
    const judgement = judgeDelivery({
      delivered: described.map(({ file, uid, attributes }) => ({
        file: file.file,
        SOPInstanceUID: uid,
        sha256: file.sha256,
        transferSyntax: attributes.instance.TransferSyntaxUID,
      })),
      stored: catalogue.instancesByUid(described.map((entry) => entry.uid)),
      storedPatient: study?.sections.patient ?? null,
      deliveredPatient: sections.patient,
      onReencoded: deps.onReencoded,
    });
    if (judgement.refusal)
      return {
        refused: { findings: judgement.findings, refusal: judgement.refusal, study: refusingStudy(catalogue, study, judgement.refusal) },
      };

    const dir = path.join(deps.studiesDir, studyUid);
    const before = study?.numberOfInstances ?? 0;
    const total = before + judgement.added.length;
    const pathOf = (uid: string) => (total === 1 ? StudyLayout.original : `${StudyLayout.originals}/${uid}.dcm`);
    // The study's single instance moves into originals/ once it has company (after the commit).
    const moved = before === 1 && total > 1 ? catalogue.studyInstances(studyUid).filter((i) => i.path === StudyLayout.original) : [];

    const addedUids = new Set(judgement.added.map((entry) => entry.SOPInstanceUID));
    const adding = described.filter((entry) => addedUids.has(entry.uid));
    if (adding.length > 0)
      await placeFiles(
        dir,
        source,
        adding.map(({ file, uid }) => ({ from: file.file, to: pathOf(uid) })),
      );

    const describedAt = deps.now().toISOString();
    const added: CatalogueInstance[] = adding.map(({ file, uid, attributes }) => ({
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
    const newSeries = new Map(adding.map(({ attributes }) => [attributes.series.SeriesInstanceUID ?? '', attributes.series]));
    const warnings = [...request.report.warnings, ...judgement.findings];
    const log = formatValidationLog({
      studyId: request.studyId,
      createdAt: describedAt,
      disposition: 'stored',
      report: { ...request.report, warnings },
      files: request.files,
      join: judgement.join,
    });

    const result = await catalogue.commit(() => {
      const counts = countAfterJoin(catalogue, study, studyUid, added, newSeries);
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
          moved: moved.map((i) => ({ SOPInstanceUID: i.SOPInstanceUID, path: pathOf(i.SOPInstanceUID) })),
          result: answer,
          log,
        },
        studySummary(studyUid, sections, counts),
      );
      return answer;
    });
    if (moved.length > 0) {
      await mkdir(path.join(dir, StudyLayout.originals), { recursive: true });
      for (const instance of moved) renameSync(path.join(dir, StudyLayout.original), path.join(dir, pathOf(instance.SOPInstanceUID)));
      await Promise.all([syncDirectory(dir), syncDirectory(path.join(dir, StudyLayout.originals))]);
    }
    return { joined: result };
  });
  // Outside the lock: the joins that commit while one rewrite runs share the next one.
  if ('joined' in outcome) await deps.documents.afterJoin(studyUid, outcome.joined.study!.numberOfInstances);
  return outcome;
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
  study: StoredStudy | null,
  uid: string,
  added: readonly CatalogueInstance[],
  newSeries: ReadonlyMap<string, SeriesAttributes>,
) {
  const series = catalogue.studySeries(uid);
  for (const [seriesUid, attributes] of newSeries) if (!series.has(seriesUid)) series.set(seriesUid, attributes);
  const modalities = [...new Set([...series.values()].map((s) => s.Modality).filter((m): m is string => m !== null))].sort();
  return {
    numberOfSeries: series.size,
    numberOfInstances: (study?.numberOfInstances ?? 0) + added.length,
    totalBytes: (study?.totalBytes ?? 0) + added.reduce((sum, i) => sum + i.sizeBytes, 0),
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

/** Puts the delivery's new files into the study folder (renamed, or linked from staging), and flushes the folders. */
async function placeFiles(dir: string, source: FileSource, moves: readonly { from: string; to: string }[]): Promise<void> {
  const folders = new Set<string>();
  for (const { from, to } of moves) {
    const target = path.join(dir, to);
    const folder = path.dirname(target);
    folders.add(folder);
    // A folder made now (the study's, or its originals/) is an entry of its parent, flushed with it.
    if (!existsSync(folder)) {
      for (let made = folder; made !== path.dirname(dir) && !existsSync(made); made = path.dirname(made)) folders.add(path.dirname(made));
      mkdirSync(folder, { recursive: true });
    }
    await placeFile(source, from, target);
  }
  await Promise.all([...folders].map(syncDirectory));
}
