import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { AppError, stagedFilePath, type DescribeRequest } from '@dsv/common';
import { linkStagedFile, readStagedFile, type StagedFileFacts } from './link-staged-file.ts';
import { checkDescribeRequest } from './parse-describe-request.ts';
import { receivedPath } from './plan-layout.ts';
import type { ReceivedFile } from './receive-file.ts';
import type { ReceivedStudy, ReceiveStudyOptions } from './receive-study.ts';
import { createIncomingDir, rootFor } from '../study/study-folder.ts';

/**
 * The by-reference twin of `receiveStudy`: `body` is the DescribeRequest (of a batch), and each file is taken
 * from the gateway's staging folder (shared disk) by a hard link instead of arriving as a multipart part.
 * Same result, same refusals, and the same clean-up of the assembly folder on any of them.
 */
export async function linkStagedStudy<T>(
  body: unknown,
  options: ReceiveStudyOptions & { stagingDir: string },
  describe: (file: ReceivedFile, request: DescribeRequest) => T | Promise<T>,
): Promise<ReceivedStudy<T>> {
  const { limits, stagingDir } = options;
  const request = checkDescribeRequest(body, limits.maxFiles);
  if (!stagingDir)
    throw new AppError('STAGED_FILE_UNAVAILABLE', 'This descriptor has no stagingDir: send the files as multipart/form-data');
  const { studyId } = request;
  const existing = options.existing(studyId);
  if (existing !== null && existing !== request.disposition) {
    throw new AppError('STUDY_ALREADY_EXISTS', `The study is already ${existing}`, { studyId, disposition: existing });
  }
  const staged = request.files.map(stagedFacts);
  const sizes = new Map(staged.map((facts) => [facts.file, facts.sizeBytes]));
  const tooLarge = staged.find((facts) => facts.sizeBytes > limits.maxFileBytes);
  if (tooLarge) throw new AppError('UPLOAD_FILE_TOO_LARGE', undefined, { limit: limits.maxFileBytes });
  // A retry of a study already here: answered from disk, nothing is linked.
  if (existing !== null) return { request, sizes, tempDir: null, files: [] };
  const stagedPath = (file: string) => stagedFilePath(stagingDir, studyId, file);
  if (request.disposition === 'stored') {
    // Read where they are; the join links the new ones into their study folder (place-file.ts).
    const files = await inOrder(
      staged,
      LINK_CONCURRENCY,
      (facts) => readStagedFile(stagedPath(facts.file), facts, limits),
      (received) => describe(received, request),
    );
    return { request, sizes, tempDir: null, staged: stagedPath, files };
  }

  const tempDir = await createIncomingDir(rootFor(options.roots, request.disposition), studyId);
  try {
    const placed = staged.map((facts) => ({ facts, relative: receivedPath(request.disposition, request.files.length, facts.file) }));
    for (const folder of new Set(placed.map(({ relative }) => path.posix.dirname(relative)))) {
      if (folder !== '.') mkdirSync(path.join(tempDir, folder));
    }
    const files = await inOrder(
      placed,
      LINK_CONCURRENCY,
      ({ facts, relative }) => linkStagedFile(stagedPath(facts.file), facts, path.join(tempDir, relative), limits),
      (received) => describe(received, request),
    );
    return { request, sizes, tempDir, files };
  } catch (error) {
    await rm(tempDir, { recursive: true, force: true });
    throw error;
  }
}

/** Files linked, read and flushed at the same time: their fsyncs overlap in the disk's queue. */
const LINK_CONCURRENCY = 8;

/**
 * Runs `work` on up to `concurrency` items at a time and hands each result to `then` in the items' order
 * (the study's first file is described first, as when the files stream in): a result waits only for
 * those before it. Nothing is still running when this settles, whether it resolves or rejects.
 */
async function inOrder<I, R, T>(
  items: readonly I[],
  concurrency: number,
  work: (item: I) => Promise<R>,
  then: (result: R) => T | Promise<T>,
): Promise<T[]> {
  const done: (R | undefined)[] = new Array(items.length);
  const out: T[] = [];
  let started = 0;
  let failed = false;
  let draining: Promise<void> = Promise.resolve();
  const drain = async (): Promise<void> => {
    while (out.length < items.length && done[out.length] !== undefined) {
      const result = done[out.length]!;
      done[out.length] = undefined;
      out.push(await then(result));
    }
  };
  const worker = async (): Promise<void> => {
    while (!failed && started < items.length) {
      const index = started++;
      try {
        done[index] = await work(items[index]!);
        draining = draining.then(drain);
        await draining;
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  const rejected = settled.find((result) => result.status === 'rejected');
  if (rejected) throw rejected.reason;
  return out;
}

function stagedFacts(entry: DescribeRequest['files'][number]): StagedFileFacts {
  if (entry.sizeBytes === undefined || entry.sha256 === undefined) {
    throw new AppError('REQUEST_INVALID', 'A file sent by reference needs its sizeBytes and sha256', { file: entry.file });
  }
  return { file: entry.file, sizeBytes: entry.sizeBytes, sha256: entry.sha256 };
}
