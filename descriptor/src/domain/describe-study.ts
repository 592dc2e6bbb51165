import { rm } from 'node:fs/promises';
import path from 'node:path';
import { AppError, type DescribeRequest, type DescribeResult, type EventBus, type EventContext, type LifecycleEvent } from '@dsv/common';
import type { Request } from 'express';
import type { DescriptorConfig } from '../config.ts';
import { composeStudy, describeFile, type DescribedFile, type HeaderDescription } from './compose-study.ts';
import { DicomJsonSpool } from './dicom-json-spool.ts';
import { storedPath } from './plan-layout.ts';
import { readStoredStudy, type StoredEntry } from './read-stored-study.ts';
import { entryFromMetadata } from './read-study-entry.ts';
import { linkStagedStudy } from './link-staged-study.ts';
import type { PreparedFiles } from './prepared-files.ts';
import type { ReceivedFile } from './receive-file.ts';
import { receiveStudy, type ReceivedStudy, type ReceiveStudyOptions } from './receive-study.ts';
import type { StudyIndex } from './study-index.ts';
import { storeStudy } from './store-study.ts';
import { displayPath, findStudy, rootFor, StudyLayout, type Disposition } from './study-folder.ts';

export interface DescribeDeps {
  config: Pick<DescriptorConfig, 'studiesDir' | 'rejectedDir' | 'limits' | 'stagingDir'>;
  events: EventBus;
  now?: () => Date;
  /** Told of every study this service publishes (GET /studies). */
  index?: Pick<StudyIndex, 'record'>;
  /** Staged files described ahead of their study's call (POST /v1/studies/prepare). */
  prepared: PreparedFiles<HeaderDescription>;
}

/**
 * One request of the gateway: receive the files (multipart parts, or by reference from the gateway's
 * staging folder when the body is the JSON request alone), lay the study out, publish it with one
 * rename, and answer what is where. A study id that is already stored is answered from disk, never stored twice:
 * the gateway retries after a timeout.
 */
export function describeStudy(req: Request, context: EventContext, deps: DescribeDeps): Promise<DescribeResult> {
  return req.is('application/json') ? describeStagedStudy(req.body, context, deps) : describeStreamedStudy(req, context, deps);
}

/**
 * A study by reference: `body` is the DescribeRequest (not yet checked), its files in the gateway's
 * staging folder. Needs no HTTP request, so a batch describes each of its studies with it.
 */
export function describeStagedStudy(body: unknown, context: EventContext, deps: DescribeDeps): Promise<DescribeResult> {
  const { stagingDir } = deps.config;
  const { prepared } = deps;
  return describeReceived(context, deps, (options, describe) => linkStagedStudy(body, { ...options, stagingDir, prepared }, describe));
}

/** A study streamed as multipart/form-data: the `request` field, then its files. */
export function describeStreamedStudy(req: Request, context: EventContext, deps: DescribeDeps): Promise<DescribeResult> {
  return describeReceived(context, deps, (options, describe) => receiveStudy(req, options, describe));
}

type DescribeReceived = (file: ReceivedFile, request: DescribeRequest, tempDir: string) => Promise<DescribedFile>;
type Receive = (options: ReceiveStudyOptions, describe: DescribeReceived) => Promise<ReceivedStudy<DescribedFile>>;

async function describeReceived(context: EventContext, deps: DescribeDeps, receive: Receive): Promise<DescribeResult> {
  const { studyId } = context;
  const { config } = deps;
  const existing = await findStudy(config, studyId);
  let sectionsRead = false;
  const spool = new DicomJsonSpool();
  try {
    const describeOne: DescribeReceived = async (file, request, tempDir) => {
      const { described, dicomJson } = describeFile(file, {
        withSections: !sectionsRead,
        storedPath: request.disposition === 'stored' ? (uid) => storedPath(request.files.length, uid) : null,
      });
      sectionsRead ||= described.sections !== null;
      if (dicomJson) await spool.add(file.file, dicomJson, tempDir);
      return described;
    };
    const received = await receive({ studyId, roots: config, limits: config.limits, existing: existing?.disposition ?? null }, describeOne);
    const { request, sizes } = received;
    if (existing || received.tempDir === null) return await answerStored(request, sizes, context, deps);
    return await publishStudy(request, sizes, received.tempDir, received.files, spool, context, deps);
  } finally {
    await spool.close();
  }
}

async function publishStudy(
  request: DescribeRequest,
  sizes: ReadonlyMap<string, number>,
  tempDir: string,
  files: DescribedFile[],
  spool: DicomJsonSpool,
  context: EventContext,
  deps: DescribeDeps,
): Promise<DescribeResult> {
  const { studyId } = context;
  const { config } = deps;
  let published = false;
  try {
    const createdAt = (deps.now?.() ?? new Date()).toISOString();
    const content = composeStudy(request, files, createdAt);
    const finalDir = path.join(rootFor(config, request.disposition), studyId);
    published = await storeStudy({ tempDir, finalDir, disposition: request.disposition, spool, ...content });
    if (!published) return await answerStored(request, sizes, context, deps);
    deps.index?.record(entryFromMetadata(studyId, request.disposition, createdAt, content.metadata));

    const events: LifecycleEvent[] = [];
    if (request.disposition === 'stored' && content.metadata) {
      const { summary, study } = content.metadata;
      events.push(deps.events.publish('metadata.extracted', context, {
        instances: summary.numberOfInstances,
        series: summary.numberOfSeries,
        studyInstanceUid: study.StudyInstanceUID,
      }));
    }
    const entries = files.map((file, index) => ({
      ...file,
      path: content.placed[index]!.path,
      SOPInstanceUID: file.attributes?.instance.SOPInstanceUID ?? null,
    }));
    events.push(publishStorage(deps.events, context, request.disposition, entries, false));
    return toResult(studyId, request.disposition, false, finalDir, entries, content.metadata !== null, events);
  } finally {
    // Once published, the assembly folder is the study folder: nothing is left to remove.
    if (!published) await rm(tempDir, { recursive: true, force: true });
  }
}

/** A retry, or a request that lost the race to publish the same id: answer from what is on disk. */
async function answerStored(request: DescribeRequest, sizes: ReadonlyMap<string, number>, context: EventContext, deps: DescribeDeps): Promise<DescribeResult> {
  const found = await findStudy(deps.config, context.studyId);
  if (!found) throw new AppError('INTERNAL', 'The study folder vanished while a retry was answered');
  if (found.disposition !== request.disposition) {
    throw new AppError('STUDY_ALREADY_EXISTS', `The study is already ${found.disposition}`, { studyId: context.studyId, disposition: found.disposition });
  }
  const stored = await readStoredStudy(found.dir, found.disposition);
  const same = stored.entries.length === sizes.size && stored.entries.every((entry) => sizes.get(entry.file) === entry.sizeBytes);
  if (!same) throw new AppError('STUDY_ALREADY_EXISTS', 'Other files are already stored under this study id', { studyId: context.studyId });
  // The same order as the first answer: the request's.
  const order = new Map(request.files.map((entry, index) => [entry.file, index]));
  const entries = stored.entries.toSorted((a, b) => order.get(a.file)! - order.get(b.file)!);
  const event = publishStorage(deps.events, context, found.disposition, entries, true);
  return toResult(context.studyId, found.disposition, true, found.dir, entries, stored.hasMetadata, [event]);
}

function publishStorage(events: EventBus, context: EventContext, disposition: Disposition, entries: readonly StoredEntry[], alreadyStored: boolean) {
  const bytes = entries.reduce((sum, entry) => sum + entry.sizeBytes, 0);
  return events.publish('storage.completed', context, { disposition, files: entries.length, bytes, alreadyStored });
}

function toResult(
  studyId: string,
  disposition: Disposition,
  alreadyStored: boolean,
  dir: string,
  entries: readonly StoredEntry[],
  hasMetadata: boolean,
  events: LifecycleEvent[],
): DescribeResult {
  return {
    studyId,
    disposition,
    alreadyStored,
    directory: displayPath(dir),
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
    events,
  };
}
