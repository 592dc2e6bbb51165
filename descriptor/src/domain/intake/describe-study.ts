import { copyFileSync, mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import {
  AppError,
  type DescribeRequest,
  type DescribeResult,
  type EventBus,
  type EventContext,
  type JoinedStudy,
  type LifecycleEvent,
  type Refusal,
} from '@dsv/common';
import type { Request } from 'express';
import { joinDelivery } from '../../archive/join-delivery.ts';
import { placeFile, type FileSource } from '../../archive/place-file.ts';
import type { KeyedLock } from '../../archive/keyed-lock.ts';
import type { StudyDocuments } from '../../archive/study-documents.ts';
import type { DescriptorConfig } from '../../config.ts';
import type { Catalogue, RecordedDelivery } from '../../data/catalogue.ts';
import { composeRejected, describeFile, type DescribedFile } from './compose-study.ts';
import { formatValidationLog } from '../study/format-validation-log.ts';
import { receivedPath } from './plan-layout.ts';
import type { StoredEntry } from '../study/read-stored-study.ts';
import { summariseMetadata } from '../metadata/summarise-metadata.ts';
import { linkStagedStudy } from './link-staged-study.ts';
import type { ReceivedFile } from './receive-file.ts';
import { receiveStudy, type ReceivedStudy, type ReceiveStudyOptions } from './receive-study.ts';
import { storeRejected } from './store-study.ts';
import { createIncomingDir, displayPath, StudyLayout, type Disposition } from '../study/study-folder.ts';

export interface DescribeDeps {
  config: Pick<DescriptorConfig, 'studiesDir' | 'rejectedDir' | 'limits' | 'stagingDir' | 'storage'>;
  events: EventBus;
  now?: () => Date;
  /** The studies and deliveries this service keeps (patients, studies, series, instances). */
  catalogue: Catalogue;
  documents: StudyDocuments;
  locks: KeyedLock;
}

/**
 * A delivery by reference: `body` is its DescribeRequest (not yet checked), its files in the gateway's
 * staging folder. Needs no HTTP request: a batch describes each of its deliveries with it.
 */
export function describeStagedStudy(body: unknown, correlationId: string, deps: DescribeDeps): Promise<DescribeResult> {
  const { stagingDir } = deps.config;
  return describeReceived(correlationId, deps, (options, describe) => linkStagedStudy(body, { ...options, stagingDir }, describe));
}

/** A delivery streamed as multipart/form-data: the `request` field, which names it, then its files. */
export function describeStreamedStudy(req: Request, correlationId: string, deps: DescribeDeps): Promise<DescribeResult> {
  return describeReceived(correlationId, deps, (options, describe) => receiveStudy(req, options, describe));
}

type DescribeReceived = (file: ReceivedFile) => DescribedFile;
type Receive = (options: ReceiveStudyOptions, describe: DescribeReceived) => Promise<ReceivedStudy<DescribedFile>>;

/**
 * One delivery of the gateway: receive its files, lay them out, publish them with one rename, and answer
 * what is where. A delivery id already described is answered from its record, never stored twice: the
 * gateway retries after a timeout.
 */
async function describeReceived(correlationId: string, deps: DescribeDeps, receive: Receive): Promise<DescribeResult> {
  const { config } = deps;
  // Read once the request names the delivery, before any of its files is written.
  const before: { recorded: RecordedDelivery | null } = { recorded: null };
  const existing = (studyId: string): Disposition | null => {
    const recorded = (before.recorded = deps.catalogue.delivery(studyId));
    // A delivery its study refused was sent as 'stored': its retry is too, and is answered from the record.
    return recorded === null ? null : recorded.result.refusal ? 'stored' : recorded.disposition;
  };
  let sectionsRead = false;
  const describeOne: DescribeReceived = (file) => {
    const described = describeFile(file, { withSections: !sectionsRead });
    sectionsRead ||= described.sections !== null;
    return described;
  };
  const received = await receive({ roots: config, limits: config.limits, existing }, describeOne);
  const { request } = received;
  const { studyId } = request;
  const context: EventContext = { studyId, correlationId };
  const source: FileSource | null = received.staged
    ? { staged: received.staged }
    : received.tempDir === null
      ? null
      : { assembly: (file) => path.join(received.tempDir!, receivedPath('stored', request.files.length, file)) };
  if (before.recorded || source === null) {
    // The first call failed after its join was recorded (its documents unwritten): its retry writes them.
    const joined = deps.catalogue.delivery(studyId)?.studyUid;
    if (joined && deps.catalogue.study(joined)?.documentsDue) await deps.documents.refresh(joined);
    return answerRecorded(context, deps);
  }
  try {
    if (request.disposition === 'rejected') return await publishRejected(request, received.tempDir!, received.files, context, deps, null);
    const outcome = await joinDelivery(request, source, received.files, context, {
      ...deps,
      studiesDir: config.studiesDir,
      onReencoded: config.storage.onReencoded,
      now: deps.now ?? (() => new Date()),
    });
    if ('recorded' in outcome) return answerRecorded(context, deps);
    if ('refused' in outcome) {
      const { findings, refusal, study } = outcome.refused;
      const report = { ...request.report, valid: false, errors: [...request.report.errors, ...findings] };
      const refused = { ...request, disposition: 'rejected' as const, report };
      const rejectedDir = await moveToRejected(source, request, config.rejectedDir, studyId);
      return await publishRejected(refused, rejectedDir, received.files, context, deps, { refusal, study });
    }
    const result = outcome.joined;
    result.events = publishJoined(deps.events, context, result);
    return result;
  } finally {
    if (received.tempDir !== null) await rm(received.tempDir, { recursive: true, force: true });
  }
}

/** metadata.extracted and storage.completed of a delivery that joined its study. */
function publishJoined(events: EventBus, context: EventContext, result: DescribeResult): LifecycleEvent[] {
  const { study } = result;
  const bytes = result.files.originals.reduce((sum, file) => sum + file.sizeBytes, 0);
  return [
    events.publish('metadata.extracted', context, {
      instances: study?.numberOfInstances ?? 0,
      series: study?.numberOfSeries ?? 0,
      studyInstanceUid: study?.StudyInstanceUID ?? null,
    }),
    events.publish('storage.completed', context, {
      disposition: 'stored',
      files: result.files.originals.length,
      bytes,
      alreadyStored: false,
    }),
  ];
}

/**
 * A refused delivery's files, received for its study (in the assembly folder, or still staged), go into a
 * fresh assembly folder under rejected/, at the place a rejected delivery keeps them (files/<name>).
 */
async function moveToRejected(source: FileSource, request: DescribeRequest, rejectedRoot: string, studyId: string): Promise<string> {
  const target = await createIncomingDir(rejectedRoot, studyId);
  mkdirSync(path.join(target, StudyLayout.files));
  for (const { file } of request.files) {
    const to = path.join(target, receivedPath('rejected', request.files.length, file));
    try {
      await placeFile(source, file, to);
    } catch (error) {
      // studies/ and rejected/ on two file systems.
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV' || !('assembly' in source)) throw error;
      copyFileSync(source.assembly(file), to);
    }
  }
  return target;
}

/**
 * A rejected delivery (invalid, or refused by its study) is published under rejected/<delivery id>/ by
 * one rename, and recorded in the catalogue, so that a retry is answered the same.
 */
async function publishRejected(
  request: DescribeRequest,
  tempDir: string,
  files: DescribedFile[],
  context: EventContext,
  deps: DescribeDeps,
  /** Set when the stored study refused a delivery the validator passed: why, and that study as it is. */
  refused: { refusal: Refusal; study: JoinedStudy } | null,
): Promise<DescribeResult> {
  const { studyId } = context;
  const { config } = deps;
  let published = false;
  try {
    const createdAt = (deps.now?.() ?? new Date()).toISOString();
    const content = composeRejected(request, files, createdAt);
    if (refused)
      content.validationLog = formatValidationLog({
        studyId,
        createdAt,
        disposition: 'rejected',
        report: request.report,
        files: request.files,
        refusal: refused.refusal,
      });
    const finalDir = path.join(config.rejectedDir, studyId);
    published = await storeRejected({ tempDir, finalDir, metadata: content.metadata, validationLog: content.validationLog });
    const entries = files.map((file, index) => ({
      ...file,
      path: content.placed[index]!.path,
      SOPInstanceUID: file.attributes?.instance.SOPInstanceUID ?? null,
    }));
    // Not published: a folder of this id is there already, from a run a crash stopped before its record.
    if (!published && deps.catalogue.delivery(studyId)) return answerRecorded(context, deps);
    const result = toResult(studyId, finalDir, entries, content.metadata !== null, refused);
    const summary = summariseMetadata(content.metadata);
    const record = { deliveryId: studyId, studyUid: null, disposition: 'rejected' as const, result };
    await deps.catalogue.commit(() =>
      deps.catalogue.recordDelivery(
        record,
        { receivedAt: request.receivedAt, describedAt: createdAt, log: content.validationLog },
        summary,
      ),
    );
    result.alreadyStored = !published;
    result.events = [publishStorage(deps.events, context, 'rejected', entries, !published)];
    return result;
  } finally {
    // Once published, the assembly folder is the delivery's folder: nothing is left to remove.
    if (!published) await rm(tempDir, { recursive: true, force: true });
  }
}

/** A retry of a delivery described before, or one that lost the race to publish the same id: its recorded answer. */
function answerRecorded(context: EventContext, deps: DescribeDeps): DescribeResult {
  const recorded = deps.catalogue.delivery(context.studyId);
  if (!recorded) throw new AppError('INTERNAL', 'The delivery vanished while a retry was answered');
  const result: DescribeResult = { ...recorded.result, alreadyStored: true };
  const files = result.files.originals;
  result.events = [
    deps.events.publish('storage.completed', context, {
      disposition: recorded.disposition,
      files: files.length,
      bytes: files.reduce((sum, f) => sum + f.sizeBytes, 0),
      alreadyStored: true,
    }),
  ];
  return result;
}

function publishStorage(
  events: EventBus,
  context: EventContext,
  disposition: Disposition,
  entries: readonly StoredEntry[],
  alreadyStored: boolean,
) {
  const bytes = entries.reduce((sum, entry) => sum + entry.sizeBytes, 0);
  return events.publish('storage.completed', context, { disposition, files: entries.length, bytes, alreadyStored });
}

function toResult(
  studyId: string,
  dir: string,
  entries: readonly StoredEntry[],
  hasMetadata: boolean,
  refused: { refusal: Refusal; study: JoinedStudy } | null,
): DescribeResult {
  return {
    studyId,
    disposition: 'rejected',
    alreadyStored: false,
    directory: displayPath(dir),
    study: refused?.study ?? null,
    join: null,
    refusal: refused?.refusal ?? null,
    warnings: [],
    files: {
      originals: entries.map((entry) => ({
        file: entry.file,
        path: displayPath(path.join(dir, entry.path)),
        sizeBytes: entry.sizeBytes,
        sha256: entry.sha256,
        ...(entry.SOPInstanceUID ? { SOPInstanceUID: entry.SOPInstanceUID } : {}),
      })),
      metadata: hasMetadata ? displayPath(path.join(dir, StudyLayout.metadata)) : null,
      validationLog: displayPath(path.join(dir, StudyLayout.validationLog)),
    },
    events: [],
  };
}
