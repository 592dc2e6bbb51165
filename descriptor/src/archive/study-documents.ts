import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { ElementReader, inspectFile, syncDirectory, writeFileAtomic, withSyncedFd, writeAllSync, type Logger } from '@dsv/common';
import type { Catalogue, CatalogueInstance, StoredStudy } from '../data/catalogue.ts';
import { assembleMetadata, assembleStudy, instanceEntry, type MetadataMember } from '../domain/metadata/assemble-metadata.ts';
import { buildFhirBundle } from '../domain/fhir/build-fhir-bundle.ts';
import { instanceDicomJson } from '../domain/metadata/dicom-json.ts';
import { formatJson, PRETTY_MAX_INSTANCES } from '../domain/metadata/format-json.ts';
import { StudyLayout } from '../domain/study/study-folder.ts';

/** How much of a file is read for its header when metadata.dicom.json is written (Pixel Data is not read). */
const HEADER_READ = { maxHeaderBytes: 16 << 20, maxInflatedBytes: 256 << 20 };

/**
 * A study's metadata.json, built from the catalogue: every instance of every delivery that joined it.
 * `studyId` is the StudyInstanceUID, the study folder's name.
 */
export function studyMetadata(catalogue: Catalogue, study: StoredStudy, instances: readonly CatalogueInstance[]) {
  const uid = study.StudyInstanceUID;
  const series = catalogue.studySeries(uid);
  const metadata = assembleMetadata({
    studyId: uid,
    createdAt: study.createdAt,
    disposition: 'stored',
    sections: study.sections,
    instances: instances.map((instance) => describedOf(instance, series)),
  });
  return { ...metadata, ...studyTail(study, instances) };
}

/** What metadata.json says of a study beyond assembleMetadata, after its instances. */
function studyTail(study: StoredStudy, instances: readonly { deliveryId: string }[]) {
  const deliveries = [...new Set(instances.map((instance) => instance.deliveryId))].sort();
  return { state: study.state, updatedAt: study.updatedAt, deliveries };
}

/**
 * One instance of a large study as its documents' rewrites keep it between them: what ordering it and
 * summarising its series needs, and its metadata.json entry serialised, not its attributes.
 */
export interface KeptInstance extends MetadataMember {
  deliveryId: string;
  /** Its entry in metadata.json's `instances`, compact. */
  entry: string;
}

export function keptOf(instance: CatalogueInstance, series: SeriesAttributesOf): KeptInstance {
  const { attributes } = instance;
  const described = describedOf(instance, series);
  return {
    file: instance.file,
    sizeBytes: instance.sizeBytes,
    // A series' row is written once, by its first instance (Catalogue), so these stay as they were read.
    series: described.series,
    deliveryId: instance.deliveryId,
    instance: {
      InstanceNumber: attributes.InstanceNumber,
      ImagePositionPatient: attributes.ImagePositionPatient,
      ImageOrientationPatient: attributes.ImageOrientationPatient,
      SliceLocation: attributes.SliceLocation,
    },
    entry: JSON.stringify(instanceEntry(described)),
  };
}

/**
 * metadata.json of a study of more than PRETTY_MAX_INSTANCES, from its kept instances, in parts: byte
 * for byte what formatJson makes of studyMetadata (format-metadata.test.ts). The instances are ordered
 * now; only the text is made as the parts are asked for.
 */
export function formatKept(study: StoredStudy, kept: readonly KeptInstance[]): Iterable<string> {
  const { head, members } = assembleStudy({
    studyId: study.StudyInstanceUID,
    createdAt: study.createdAt,
    disposition: 'stored',
    sections: study.sections,
    instances: kept,
  });
  return formatLarge({ ...head, instances: INSTANCES_MARK, ...studyTail(study, kept) }, members.length, (start, end) =>
    members.slice(start, end).map((member) => member.entry),
  );
}

export interface DocumentsPolicy {
  /** Studies of at most this many instances have their documents rewritten before a delivery's answer. */
  awaitMaxInstances: number;
  /** Larger ones at most this often while deliveries join them. */
  rewriteIntervalMs: number;
}

/**
 * Large studies whose instances are kept between rewrites (KeptInstance): the ones receiving deliveries
 * now (a few at a time; each costs memory in proportion to its instances).
 */
const CACHED_STUDIES = 3;

interface CachedInstances {
  instances: KeptInstance[];
  /** The catalogue row the kept instances reach: a rewrite reads only those after it. */
  last: number;
}

/** Studies whose validation.log position is remembered (a few numbers each). */
const REMEMBERED_LOGS = 1024;

type SeriesAttributesOf = ReturnType<Catalogue['studySeries']>;

function describedOf(instance: CatalogueInstance, series: SeriesAttributesOf) {
  return {
    file: instance.file,
    path: instance.path,
    sizeBytes: instance.sizeBytes,
    sha256: instance.sha256,
    deliveryId: instance.deliveryId,
    series: series.get(instance.SeriesInstanceUID)!,
    instance: instance.attributes,
  };
}

const logHead = (uid: string): string => `Validation log of DICOM study ${uid}\n`;

/**
 * validation.log of a study written whole: a section per delivery that joined it, in the order they
 * joined, then the latest study-level checks. `last`: the catalogue row the last delivery section reaches.
 */
export function studyValidationLog(catalogue: Catalogue, uid: string): { text: string; last: number } {
  const study = catalogue.study(uid)!;
  const { logs, last } = catalogue.studyDeliveryLogsAfter(uid, 0);
  return { text: [logHead(uid), ...logs, ...(study.studyLog ? [study.studyLog] : [])].join('\n'), last };
}

/**
 * Rewrites a study's documents from the catalogue, each whole or not at all (writeFileAtomic), but for
 * validation.log, which grows by appends: the sections of the deliveries that joined since, and the
 * study-level checks once the study is stable. It is written whole when this process has not written it
 * yet (after a start, when its documents may be behind the catalogue). Deliveries that join while a
 * rewrite runs wait for the next one, which covers all of them: concurrent deliveries of one study share
 * a rewrite. metadata.dicom.json and fhir.json are written once the study is stable.
 */
export class StudyDocuments {
  /** Per study: the rewrite under way, and the one queued behind it (shared by whoever asks meanwhile). */
  readonly #running = new Map<string, Promise<void>>();
  readonly #queued = new Map<string, Promise<void>>();
  /**
   * Per study, its instances as last read and the catalogue row they reach: a rewrite reads only the
   * instances that joined since, not the whole study again.
   */
  readonly #instances = new Map<string, CachedInstances>();
  /**
   * Per study whose validation.log this process wrote: the catalogue row of the last delivery section in
   * it, and the study-level checks last appended.
   */
  readonly #logs = new Map<string, { last: number; studyLog: string | null }>();

  /** Per study whose rewrite waits for `rewriteIntervalMs`: its timer. */
  readonly #scheduled = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly catalogue: Catalogue,
    private readonly studiesDir: string,
    private readonly policy: DocumentsPolicy,
    private readonly logger?: Logger,
  ) {}

  /**
   * After a delivery joined a study of `instances` instances: resolves when its answer may be sent. A
   * study of at most `awaitMaxInstances` has its documents rewritten first, so they list the delivery when
   * the answer comes (unless `wait` is false: the delivery's answer does not need them); a larger one is
   * rewritten at most every `rewriteIntervalMs` while deliveries join,
   * each rewrite covering all that joined since, since a rewrite costs in proportion to the study. Its
   * catalogue entry marks the documents due meanwhile: a stop or a crash before the rewrite leaves them to
   * `close()` or to the start-up repair.
   */
  afterJoin(uid: string, instances: number, wait = true): Promise<void> {
    if (wait && instances <= this.policy.awaitMaxInstances) return this.refresh(uid);
    if (!this.#scheduled.has(uid)) {
      const timer = setTimeout(() => {
        this.#scheduled.delete(uid);
        this.refresh(uid).catch((error: unknown) =>
          this.logger?.error({ StudyInstanceUID: uid, err: error }, 'study documents not rewritten: they are rewritten at the next start'),
        );
      }, this.policy.rewriteIntervalMs);
      this.#scheduled.set(uid, timer);
    }
    return Promise.resolve();
  }

  /** Resolves once the study's documents list everything it holds now (a reader is about to read them). */
  current(uid: string): Promise<void> {
    if (this.#scheduled.has(uid)) return this.refresh(uid);
    return this.#queued.get(uid) ?? this.#running.get(uid) ?? Promise.resolve();
  }

  /** When the service stops: the rewrites waiting for their time are made now. */
  async close(): Promise<void> {
    const waiting = [...this.#scheduled.keys()];
    await Promise.allSettled(waiting.map((uid) => this.current(uid)));
    await Promise.allSettled([...this.#queued.values(), ...this.#running.values()]);
  }

  /** Resolves once documents written after this call reflect the catalogue as it is now. */
  refresh(uid: string): Promise<void> {
    // This rewrite covers whatever a scheduled one would have.
    const timer = this.#scheduled.get(uid);
    if (timer) {
      clearTimeout(timer);
      this.#scheduled.delete(uid);
    }
    const queued = this.#queued.get(uid);
    if (queued) return queued;
    const before = this.#running.get(uid) ?? Promise.resolve();
    const next = before
      .catch(() => undefined)
      .then(() => {
        this.#queued.delete(uid);
        this.#running.set(uid, next);
        return this.#write(uid);
      });
    const settled = next.finally(() => {
      if (this.#running.get(uid) === next) this.#running.delete(uid);
    });
    this.#queued.set(uid, settled);
    return settled;
  }

  /** At start-up: the studies whose catalogue changed after their documents were last written. */
  async repair(): Promise<number> {
    const due = this.catalogue.studiesWithDocumentsDue();
    for (const uid of due) {
      await placeInstances(this.catalogue, this.studiesDir, uid);
      await this.refresh(uid);
    }
    if (due.length > 0) this.logger?.info({ studies: due.length }, 'study documents rewritten after a restart');
    return due.length;
  }

  async #write(uid: string): Promise<void> {
    const dir = path.join(this.studiesDir, uid);
    // A folder removed by hand: the catalogue's documents are written again all the same. Made before the
    // catalogue is read: from here on nothing awaits until every read is done, so they agree.
    await mkdir(dir, { recursive: true });
    const study = this.catalogue.study(uid);
    if (!study) return;
    const asOf = study.lastDeliveryId;
    const writes: Promise<void>[] = [];
    const metadataFile = path.join(dir, StudyLayout.metadata);
    if (study.state === 'stable' || study.numberOfInstances <= PRETTY_MAX_INSTANCES) {
      // From the whole catalogue: a small study costs little to read, and a stable one gets no more
      // rewrites until a delivery comes, so its instances need not stay in memory.
      this.#instances.delete(uid);
      const metadata = studyMetadata(this.catalogue, study, this.catalogue.studyInstances(uid));
      writes.push(writeFileAtomic(metadataFile, formatMetadata(metadata)));
      if (study.state === 'stable') {
        writes.push(writeFileAtomic(path.join(dir, StudyLayout.fhir), formatJson(buildFhirBundle(metadata), metadata.instances.length)));
        writes.push(
          writeDicomJson(
            dir,
            metadata.instances.map((instance) => instance.path),
          ),
        );
      }
    } else {
      writes.push(writeFileAtomic(metadataFile, formatKept(study, this.#currentInstances(uid, study.numberOfInstances))));
    }
    writes.push(this.#writeLog(uid, path.join(dir, StudyLayout.validationLog), study.studyLog));
    // allSettled: when one write fails, none is still under way once this answers (or the next rewrite starts).
    const failed = (await Promise.allSettled(writes)).find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    this.catalogue.documentsWritten(uid, asOf);
  }

  /** Appends what joined since the last write; writes the log whole the first time, or after a failed write. */
  async #writeLog(uid: string, file: string, studyLog: string | null): Promise<void> {
    const written = this.#logs.get(uid);
    // Until this write has ended, the next one cannot know what is in the file: it writes it whole.
    this.#logs.delete(uid);
    if (!written) {
      const whole = studyValidationLog(this.catalogue, uid);
      await writeFileAtomic(file, whole.text);
      this.#remember(uid, { last: whole.last, studyLog });
      return;
    }
    const since = this.catalogue.studyDeliveryLogsAfter(uid, written.last);
    const sections = [...since.logs, ...(studyLog !== null && studyLog !== written.studyLog ? [studyLog] : [])];
    if (sections.length > 0) await appendDurable(file, sections.map((section) => `\n${section}`).join(''));
    this.#remember(uid, { last: since.last, studyLog });
  }

  #remember(uid: string, log: { last: number; studyLog: string | null }): void {
    this.#logs.set(uid, log);
    // Forgetting a study costs one whole write of its log, when it next gets a delivery.
    if (this.#logs.size > REMEMBERED_LOGS) this.#logs.delete(this.#logs.keys().next().value!);
  }

  /** A large study's instances, as kept since its last rewrite and what joined since (read now). */
  #currentInstances(uid: string, count: number): KeptInstance[] {
    let cached = this.#instances.get(uid);
    this.#instances.delete(uid);
    const read = (after: number) => {
      const since = this.catalogue.studyInstancesAfter(uid, after);
      const series = this.catalogue.studySeries(uid);
      return { instances: since.instances.map((instance) => keptOf(instance, series)), last: since.last };
    };
    // Kept only past PRETTY_MAX_INSTANCES, long after a study's first instance moved into originals/ (the
    // one change of a path a join makes): a kept entry's path is still the instance's.
    if (cached) {
      const since = read(cached.last);
      cached.instances.push(...since.instances);
      cached.last = since.last;
    } else {
      cached = read(0);
    }
    // Anything else than the catalogue's count (a reindex emptied it meanwhile): read it all again.
    if (cached.instances.length !== count) cached = read(0);
    this.#instances.set(uid, cached);
    if (this.#instances.size > CACHED_STUDIES) this.#instances.delete(this.#instances.keys().next().value!);
    return cached.instances;
  }
}

/**
 * metadata.json as formatJson writes it, in parts whose concatenation is the document: a large study's
 * instances a few hundred at a time, so that writing the document of a study of thousands of instances
 * never holds it whole in memory (writeFileAtomic writes the parts as they come).
 */
export function* formatMetadata(metadata: ReturnType<typeof studyMetadata>): Generator<string> {
  const count = metadata.instances.length;
  if (count <= PRETTY_MAX_INSTANCES) {
    yield formatJson(metadata, count);
    return;
  }
  yield* formatLarge({ ...metadata, instances: INSTANCES_MARK }, count, (start, end) =>
    metadata.instances.slice(start, end).map((instance) => JSON.stringify(instance)),
  );
}

/**
 * The compact document `shell` (formatJson's, for more than PRETTY_MAX_INSTANCES), whose `instances` is
 * INSTANCES_MARK, with the entries `entries(start, end)` gives in its place, ENTRIES_PER_PART at a time.
 */
function* formatLarge(shell: object, count: number, entries: (start: number, end: number) => string[]): Generator<string> {
  const text = formatJson(shell, count);
  const mark = text.indexOf(INSTANCES_MARK_JSON);
  yield `${text.slice(0, mark)}[`;
  for (let start = 0; start < count; start += ENTRIES_PER_PART) {
    yield `${start === 0 ? '' : ','}${entries(start, start + ENTRIES_PER_PART).join(',')}`;
  }
  yield `]${text.slice(mark + INSTANCES_MARK_JSON.length)}`;
}

/** Instances of metadata.json written together (a few hundred KB). */
const ENTRIES_PER_PART = 256;

/** Stands for the instances in the serialised shell of metadata.json; no DICOM value holds a NUL. */
const INSTANCES_MARK = '\u0000instances\u0000';
const INSTANCES_MARK_JSON = JSON.stringify(INSTANCES_MARK);

/**
 * metadata.dicom.json: the DICOM JSON Model of every instance (PS3.18 Annex F), as DICOMweb's /metadata,
 * read from the stored files' headers one at a time and written as it goes, so a large study is never
 * held in memory whole.
 */
async function writeDicomJson(dir: string, paths: readonly string[]): Promise<void> {
  const target = path.join(dir, StudyLayout.dicomJson);
  const temporary = path.join(dir, `.${StudyLayout.dicomJson}.${process.pid}.tmp`);
  const out = createWriteStream(temporary);
  const write = (text: string) => new Promise<void>((resolve, reject) => out.write(text, (error) => (error ? reject(error) : resolve())));
  try {
    // One instance per line, as the spool wrote it: a study of thousands stays greppable.
    await write('[\n');
    let written = 0;
    for (const relative of paths) {
      const inspection = await inspectFile(path.join(dir, relative), HEADER_READ);
      if (!inspection.parsed) continue;
      // Counted, not indexed: an unreadable first file must not leave a leading comma.
      await write(`${written++ === 0 ? '' : ',\n'}${JSON.stringify(instanceDicomJson(new ElementReader(inspection.parsed), relative))}`);
    }
    await write('\n]\n');
    await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
    await withSyncedFd(temporary, 'r');
    await rename(temporary, target);
    await syncDirectory(dir);
  } catch (error) {
    out.destroy();
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * Puts every file of a study where the catalogue says it is. A join that turns a study of one instance
 * into a larger one commits the new paths first, then moves original.dcm into originals/; after a crash
 * between the two, the one instance whose file is missing is the one still at original.dcm.
 */
export async function placeInstances(catalogue: Catalogue, studiesDir: string, uid: string): Promise<void> {
  const dir = path.join(studiesDir, uid);
  const single = path.join(dir, StudyLayout.original);
  for (const instance of catalogue.studyInstances(uid)) {
    if (instance.path === StudyLayout.original || existsSync(path.join(dir, instance.path)) || !existsSync(single)) continue;
    await mkdir(path.join(dir, StudyLayout.originals), { recursive: true });
    await rename(single, path.join(dir, instance.path));
    await syncDirectory(path.join(dir, StudyLayout.originals));
    await syncDirectory(dir);
  }
}

/** Appends `text` to a file and flushes it: a crash may cut the append, and the start-up repair writes the log whole. */
function appendDurable(file: string, text: string): Promise<void> {
  return withSyncedFd(file, 'a', (fd) => writeAllSync(fd, Buffer.from(text)));
}
