import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { AppError, stagedFilePath, type DescribeRequest } from '@dsv/common';
import { linkStagedFile, type StagedFileFacts } from './link-staged-file.ts';
import { checkDescribeRequest } from './parse-describe-request.ts';
import { receivedPath } from './plan-layout.ts';
import type { ReceivedFile } from './receive-file.ts';
import type { ReceivedStudy, ReceiveStudyOptions } from './receive-study.ts';
import { createIncomingDir, rootFor } from './study-folder.ts';

/**
 * The by-reference twin of `receiveStudy`: the body is the DescribeRequest itself, and each file is taken
 * from the gateway's staging folder (shared disk) by a hard link instead of arriving as a multipart part.
 * Same result, same refusals, and the same clean-up of the assembly folder on any of them.
 */
export async function linkStagedStudy<T>(
  body: unknown,
  options: ReceiveStudyOptions & { stagingDir: string },
  describe: (file: ReceivedFile, request: DescribeRequest, tempDir: string) => T | Promise<T>,
): Promise<ReceivedStudy<T>> {
  const { studyId, limits, existing, stagingDir } = options;
  if (!stagingDir) throw new AppError('STAGED_FILE_UNAVAILABLE', 'This descriptor has no stagingDir: send the files as multipart/form-data');
  const request = checkDescribeRequest(body, studyId, limits.maxFiles);
  if (existing !== null && existing !== request.disposition) {
    throw new AppError('STUDY_ALREADY_EXISTS', `The study is already ${existing}`, { studyId, disposition: existing });
  }
  const staged = request.files.map(stagedFacts);
  const sizes = new Map(staged.map((facts) => [facts.file, facts.sizeBytes]));
  const tooLarge = staged.find((facts) => facts.sizeBytes > limits.maxFileBytes);
  if (tooLarge) throw new AppError('UPLOAD_FILE_TOO_LARGE', undefined, { limit: limits.maxFileBytes });
  // A retry of a study already here: answered from disk, nothing is linked.
  if (existing !== null) return { request, sizes, tempDir: null, files: [] };

  const tempDir = await createIncomingDir(rootFor(options.roots, request.disposition), studyId);
  try {
    const folders = new Set<string>();
    const files: T[] = [];
    for (const facts of staged) {
      const relative = receivedPath(request.disposition, request.files.length, facts.file);
      const folder = path.posix.dirname(relative);
      if (folder !== '.' && !folders.has(folder)) {
        mkdirSync(path.join(tempDir, folder));
        folders.add(folder);
      }
      const source = stagedFilePath(stagingDir, studyId, facts.file);
      const received = await linkStagedFile(source, facts, path.join(tempDir, relative), limits);
      files.push(await describe(received, request, tempDir));
    }
    return { request, sizes, tempDir, files };
  } catch (error) {
    await rm(tempDir, { recursive: true, force: true });
    throw error;
  }
}

function stagedFacts(entry: DescribeRequest['files'][number]): StagedFileFacts {
  if (entry.sizeBytes === undefined || entry.sha256 === undefined) {
    throw new AppError('REQUEST_INVALID', 'A file sent by reference needs its sizeBytes and sha256', { file: entry.file });
  }
  return { file: entry.file, sizeBytes: entry.sizeBytes, sha256: entry.sha256 };
}
