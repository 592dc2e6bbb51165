import { appendFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  ElementReader,
  inspectFile,
  isStudyId,
  isValidUid,
  summariseInstance,
  syncDirectory,
  type DescribeResult,
  type Logger,
} from '@dsv/common';
import type { Catalogue, CatalogueInstance } from '../data/catalogue.ts';
import {
  extractInstance,
  extractSeries,
  extractStudySections,
  type SeriesAttributes,
  type StudySections,
} from '../domain/metadata/extract-metadata.ts';
import { hashFile, readStoredStudy } from '../domain/study/read-stored-study.ts';
import { summariseMetadata } from '../domain/metadata/summarise-metadata.ts';
import { displayPath, INCOMING, StudyLayout, type StudyRoots } from '../domain/study/study-folder.ts';
import { joinedResult, studySummary } from './join-delivery.ts';
import type { StudyDocuments } from './study-documents.ts';

/** One DICOM file found under studies/, with where it came from. */
interface FoundInstance {
  source: string;
  /** The delivery that brought it: from metadata.json, else the old folder's id, else the study's own. */
  deliveryId: string;
  file: string;
  sizeBytes: number;
  sha256: string;
  studyUid: string;
  sopUid: string;
  sections: StudySections;
  series: SeriesAttributes;
  instance: CatalogueInstance['attributes'];
  summary: CatalogueInstance['summary'];
}

export interface ReindexReport {
  studies: number;
  instances: number;
  rejected: number;
  /** Folders of one upload each, written by earlier versions, merged into their studies. */
  mergedFolders: number;
  /** Identical copies of one instance found in two folders: one is kept. */
  duplicatesDropped: number;
  /** Other versions of a stored instance: moved to rejected/<folder>/files/, never dropped. */
  conflictsSetAside: number;
}

/**
 * `npm run reindex`, with the descriptor stopped: the folders are the truth for the files, and the
 * catalogue is rebuilt from them. Study folders of this version (`studies/<StudyInstanceUID>/`) are read
 * as they are; folders of earlier versions (`studies/<upload id>/`, one per upload) are merged into the
 * study of their StudyInstanceUID, file by file, and removed once empty. An identical second copy of an
 * instance is dropped; another version of one is moved to `rejected/<upload id>/files/`: nothing is lost.
 * Running it twice gives the same catalogue.
 */
export async function reindexFolders(
  roots: StudyRoots,
  catalogue: Catalogue,
  documents: StudyDocuments,
  logger?: Logger,
): Promise<ReindexReport> {
  const report: ReindexReport = { studies: 0, instances: 0, rejected: 0, mergedFolders: 0, duplicatesDropped: 0, conflictsSetAside: 0 };
  const found = new Map<string, FoundInstance>();
  const oldFolders: string[] = [];
  /** The validation.log of each upload folder of an earlier version: its delivery's section from now on. */
  const oldLogs = new Map<string, string>();
  const folders = listFolders(roots.studiesDir).sort();
  for (const name of folders) {
    const dir = path.join(roots.studiesDir, name);
    const deliveries = await deliveriesOf(dir);
    if (isStudyId(name)) {
      oldFolders.push(dir);
      const log = await readFile(path.join(dir, StudyLayout.validationLog), 'utf8').catch(() => null);
      if (log !== null)
        oldLogs.set(name, `Delivery ${name}\n(merged by npm run reindex from its own folder; its validation.log follows)\n${log}`);
    }
    for (const source of dicomFilesOf(dir)) {
      const read = await readInstance(
        source,
        deliveries.get(path.relative(dir, source).split(path.sep).join('/')) ?? (isStudyId(name) ? name : `reindexed-${name}`),
      );
      if (read === null) {
        logger?.warn({ folder: name, file: path.basename(source) }, 'not an instance of a study: left where it is');
        continue;
      }
      const kept = found.get(read.sopUid);
      if (!kept) {
        found.set(read.sopUid, read);
      } else if (kept.sha256 === read.sha256) {
        if (isStudyId(name)) rmSync(source);
        report.duplicatesDropped++;
      } else {
        setAside(roots.rejectedDir, isStudyId(name) ? name : `reindexed-${name}`, source, kept);
        report.conflictsSetAside++;
      }
    }
  }

  catalogue.transaction(() => catalogue.clear());
  const byStudy = new Map<string, FoundInstance[]>();
  for (const instance of found.values()) byStudy.set(instance.studyUid, [...(byStudy.get(instance.studyUid) ?? []), instance]);
  for (const [uid, instances] of byStudy) {
    await placeStudy(roots.studiesDir, uid, instances);
    const logs = await readLogSections(path.join(roots.studiesDir, uid));
    const last = recordStudy(catalogue, roots.studiesDir, uid, instances, new Map([...oldLogs, ...logs.deliveries]));
    // The descriptor is stopped: every study is at rest, and stable with the checks it had (if any).
    const at = new Date().toISOString();
    catalogue.markStable(
      uid,
      last,
      logs.study ?? `Study-level checks of ${uid}\nTime:         ${at}\nNot run: the study was rebuilt by npm run reindex\n`,
      at,
    );
    await documents.refresh(uid);
    report.studies++;
    report.instances += instances.length;
  }
  for (const dir of oldFolders) {
    if (!existsSync(dir)) continue;
    // Only the documents of the upload are left: every file has moved into its study, or was set aside.
    if (dicomFilesOf(dir).length === 0) {
      rmSync(dir, { recursive: true, force: true });
      report.mergedFolders++;
    }
  }
  await syncDirectory(roots.studiesDir);
  report.rejected = await recordRejected(roots.rejectedDir, catalogue);
  await catalogue.durable();
  logger?.info({ ...report }, 'catalogue rebuilt from the folders');
  return report;
}

function listFolders(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name !== INCOMING && !entry.name.startsWith('.'))
    .map((entry) => entry.name);
}

/** original.dcm and originals/*.dcm: the places a study folder, of any version, keeps instances. */
function dicomFilesOf(dir: string): string[] {
  const files: string[] = [];
  if (existsSync(path.join(dir, StudyLayout.original))) files.push(path.join(dir, StudyLayout.original));
  const originals = path.join(dir, StudyLayout.originals);
  if (existsSync(originals)) {
    for (const name of readdirSync(originals).sort()) if (name.endsWith('.dcm')) files.push(path.join(originals, name));
  }
  return files;
}

/** Path in the folder -> the delivery that brought it, as its metadata.json says (when it says). */
async function deliveriesOf(dir: string): Promise<Map<string, string>> {
  try {
    const metadata = JSON.parse(await readFile(path.join(dir, StudyLayout.metadata), 'utf8')) as {
      instances?: { path?: unknown; deliveryId?: unknown }[];
    };
    const map = new Map<string, string>();
    for (const instance of metadata.instances ?? []) {
      if (typeof instance.path === 'string' && typeof instance.deliveryId === 'string' && isStudyId(instance.deliveryId))
        map.set(instance.path, instance.deliveryId);
    }
    return map;
  } catch {
    return new Map();
  }
}

async function readInstance(source: string, deliveryId: string): Promise<FoundInstance | null> {
  const inspection = await inspectFile(source);
  if (!inspection.parsed) return null;
  const reader = new ElementReader(inspection.parsed);
  const sections = extractStudySections(reader);
  const instance = extractInstance(reader);
  const studyUid = sections.study.StudyInstanceUID;
  const sopUid = instance.SOPInstanceUID;
  if (studyUid === null || sopUid === null || !isValidUid(studyUid) || !isValidUid(sopUid)) return null;
  const sizeBytes = statSync(source).size;
  return {
    source,
    deliveryId,
    file: path.basename(source),
    sizeBytes,
    sha256: await hashFile(source),
    studyUid,
    sopUid,
    sections,
    series: extractSeries(reader),
    instance,
    summary: summariseInstance(inspection, path.basename(source), true),
  };
}

function setAside(rejectedRoot: string, folder: string, source: string, kept: FoundInstance): void {
  const dir = path.join(rejectedRoot, folder, StudyLayout.files);
  mkdirSync(dir, { recursive: true });
  renameSync(source, path.join(dir, path.basename(source)));
  appendFileSync(
    path.join(rejectedRoot, folder, StudyLayout.validationLog),
    `Set aside by npm run reindex: ${StudyLayout.files}/${path.basename(source)} is another version of SOP Instance UID ${kept.sopUid}, stored in study ${kept.studyUid}\n`,
  );
}

function pathIn(count: number, sopUid: string): string {
  return count === 1 ? StudyLayout.original : `${StudyLayout.originals}/${sopUid}.dcm`;
}

/** Moves each instance to its place in `studies/<uid>/`, by rename (one file system). */
async function placeStudy(studiesDir: string, uid: string, instances: readonly FoundInstance[]): Promise<void> {
  const dir = path.join(studiesDir, uid);
  mkdirSync(path.join(dir, StudyLayout.originals), { recursive: true });
  // A study that was one instance and is now more: its original.dcm moves first, out of the way.
  for (const instance of instances) {
    const target = path.join(dir, pathIn(instances.length, instance.sopUid));
    if (instance.source !== target) renameSync(instance.source, target);
    instance.source = target;
  }
  if (instances.length === 1) rmSync(path.join(dir, StudyLayout.originals), { recursive: true, force: true });
  await syncDirectory(dir);
}

/** The study in the catalogue: one join per delivery that brought its instances, oldest first. Answers the last delivery. */
function recordStudy(
  catalogue: Catalogue,
  studiesDir: string,
  uid: string,
  instances: readonly FoundInstance[],
  logs: ReadonlyMap<string, string>,
): string {
  const dir = path.join(studiesDir, uid);
  const byDelivery = new Map<string, FoundInstance[]>();
  for (const instance of instances) byDelivery.set(instance.deliveryId, [...(byDelivery.get(instance.deliveryId) ?? []), instance]);
  let last = '';
  const series = new Map<string, SeriesAttributes>();
  let count = 0;
  let bytes = 0;
  const at = new Date().toISOString();
  for (const [deliveryId, members] of [...byDelivery].sort(([a], [b]) => a.localeCompare(b))) {
    const added: CatalogueInstance[] = members.map((m) => ({
      SOPInstanceUID: m.sopUid,
      StudyInstanceUID: uid,
      SeriesInstanceUID: m.series.SeriesInstanceUID ?? '',
      deliveryId,
      file: m.file,
      path: pathIn(instances.length, m.sopUid),
      sizeBytes: m.sizeBytes,
      sha256: m.sha256,
      transferSyntax: m.instance.TransferSyntaxUID,
      attributes: m.instance,
      summary: m.summary,
    }));
    const newSeries = members
      .filter((m) => !series.has(m.series.SeriesInstanceUID ?? ''))
      .map((m) => ({ SeriesInstanceUID: m.series.SeriesInstanceUID ?? '', attributes: m.series }));
    for (const entry of newSeries) series.set(entry.SeriesInstanceUID, entry.attributes);
    count += added.length;
    bytes += added.reduce((sum, i) => sum + i.sizeBytes, 0);
    const modalities = [...new Set([...series.values()].map((s) => s.Modality).filter((m): m is string => m !== null))].sort();
    const sections = members[0]!.sections;
    const result = joinedResult(
      deliveryId,
      dir,
      { StudyInstanceUID: uid, numberOfSeries: series.size, numberOfInstances: count },
      { added: added.length, duplicates: [], reencoded: [] },
      [],
      added,
    );
    last = deliveryId;
    const log =
      logs.get(deliveryId) ?? `Delivery ${deliveryId}\nReindexed:    ${at} (npm run reindex; its validation section was not found)\n`;
    catalogue.transaction(() =>
      catalogue.joinStudy(
        uid,
        { deliveryId, receivedAt: at, describedAt: at, sections, series: newSeries, added, moved: [], result, log },
        studySummary(uid, sections, { modalities, numberOfSeries: series.size, numberOfInstances: count, totalBytes: bytes }),
      ),
    );
  }
  return last;
}

/**
 * The sections of a study folder's validation.log: by delivery (study-documents.ts writes one per
 * delivery, each opening `Delivery <id>`), and the study-level one.
 */
async function readLogSections(dir: string): Promise<{ deliveries: Map<string, string>; study: string | null }> {
  const deliveries = new Map<string, string>();
  let text: string;
  try {
    text = await readFile(path.join(dir, StudyLayout.validationLog), 'utf8');
  } catch {
    return { deliveries, study: null };
  }
  const [rest, study] = text.split(/^(?=Study-level checks of )/m);
  for (const section of rest!.split(/^(?=Delivery [0-9A-HJKMNP-TV-Z]{26}$)/m)) {
    const id = /^Delivery ([0-9A-HJKMNP-TV-Z]{26})$/m.exec(section)?.[1];
    if (id) deliveries.set(id, section);
  }
  return { deliveries, study: study ?? null };
}

/** rejected/<delivery id>/ folders, as they are. */
async function recordRejected(rejectedDir: string, catalogue: Catalogue): Promise<number> {
  let count = 0;
  for (const id of listFolders(rejectedDir).filter(isStudyId).sort()) {
    const dir = path.join(rejectedDir, id);
    const stored = await readStoredStudy(dir, 'rejected');
    const metadata = await readFile(path.join(dir, StudyLayout.metadata), 'utf8').then(
      (raw) => JSON.parse(raw) as unknown,
      () => null,
    );
    const log = await readFile(path.join(dir, StudyLayout.validationLog), 'utf8').catch(() => '');
    const at = statSync(dir).mtime.toISOString();
    const result: DescribeResult = {
      studyId: id,
      disposition: 'rejected',
      alreadyStored: false,
      directory: displayPath(dir),
      study: null,
      join: null,
      refusal: null,
      warnings: [],
      files: {
        originals: stored.entries.map((e) => ({
          file: e.file,
          path: displayPath(path.join(dir, e.path)),
          sizeBytes: e.sizeBytes,
          sha256: e.sha256,
        })),
        metadata: metadata === null ? null : displayPath(path.join(dir, StudyLayout.metadata)),
        validationLog: displayPath(path.join(dir, StudyLayout.validationLog)),
      },
      events: [],
    };
    catalogue.recordDelivery(
      { deliveryId: id, studyUid: null, disposition: 'rejected', result },
      { receivedAt: at, describedAt: at, log },
      summariseMetadata(metadata),
    );
    count++;
  }
  return count;
}
