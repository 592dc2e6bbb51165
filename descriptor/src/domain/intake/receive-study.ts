import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { AppError, streamMultipart, type DescribeRequest, type FilePart } from '@dsv/common';
import type { Request } from 'express';
import type { DescriptorConfig } from '../../config.ts';
import { parseDescribeRequest } from './parse-describe-request.ts';
import { receivedPath } from './plan-layout.ts';
import { receiveFile, type ReceivedFile } from './receive-file.ts';
import { createIncomingDir, rootFor, type Disposition, type StudyRoots } from '../study/study-folder.ts';

export interface ReceiveStudyOptions {
  roots: StudyRoots;
  limits: DescriptorConfig['limits'];
  /**
   * Where a delivery of this id already is, asked once the request names it and before any file is
   * written: when it is somewhere, the parts are read and counted, never written.
   */
  existing: (studyId: string) => Disposition | null;
}

export interface ReceivedStudy<T> {
  request: DescribeRequest;
  /** Bytes received per stored name. */
  sizes: ReadonlyMap<string, number>;
  /** The assembly folder holding each file where `receivedPath` puts it; null when nothing was written. */
  tempDir: string | null;
  /**
   * A valid delivery's files by reference, left where the gateway staged them: each is linked into its
   * study folder by the join (place-file.ts), with no assembly folder. Null otherwise.
   */
  staged?: ((file: string) => string) | null;
  /** What `describe` made of each file, in the request's order; empty when nothing was written. */
  files: T[];
}

/**
 * Reads the multipart body: first the `request` field, which names the delivery, then each file part,
 * streamed into the assembly folder and handed to `describe` (with the request, which lists every file)
 * as soon as it is complete, so a file's header is dropped before the next file arrives. Any refusal
 * removes the assembly folder before it is reported.
 */
export async function receiveStudy<T>(
  req: Request,
  options: ReceiveStudyOptions,
  describe: (file: ReceivedFile, request: DescribeRequest) => T | Promise<T>,
): Promise<ReceivedStudy<T>> {
  const { limits } = options;
  let request: DescribeRequest | null = null;
  let existing: Disposition | null = null;
  let listed = new Set<string>();
  let tempDir: Promise<string> | null = null;
  const sizes = new Map<string, number>();
  const described = new Map<string, T>();
  // Parts are handled concurrently (the next starts while the last is described): one mkdir per folder.
  const folders = new Map<string, Promise<unknown>>();
  // Control flow analysis does not see the handlers assign it: read it through a function.
  const assembling = (): Promise<string | null> => tempDir ?? Promise.resolve(null);

  const onField = (name: string, value: string): void => {
    if (name !== 'request')
      throw new AppError('REQUEST_INVALID', 'The only field is "request", before the files', { field: name.slice(0, 64) });
    request = parseDescribeRequest(value, limits.maxFiles);
    listed = new Set(request.files.map((entry) => entry.file));
    existing = options.existing(request.studyId);
    if (existing !== null && existing !== request.disposition) {
      throw new AppError('STUDY_ALREADY_EXISTS', `The study is already ${existing}`, { studyId: request.studyId, disposition: existing });
    }
  };

  const onFile = async ({ field, filename, stream }: FilePart): Promise<void> => {
    const current = request as DescribeRequest | null;
    if (current === null) throw new AppError('REQUEST_INVALID', 'The field "request" must come before the files');
    if (field !== 'files') throw new AppError('UPLOAD_UNEXPECTED_FIELD', 'Files must be sent in the field "files"');
    // Listed names are stored names (NNNN.dcm): a part's name becomes a path only through this check.
    if (!listed.has(filename)) {
      throw new AppError('REQUEST_INVALID', 'A file part is not listed in the request', { file: filename.slice(0, 64) });
    }
    if (sizes.has(filename)) throw new AppError('REQUEST_INVALID', 'A file is sent twice', { file: filename });
    sizes.set(filename, 0);
    if (existing !== null) {
      sizes.set(filename, await countBytes(stream));
      return;
    }
    tempDir ??= createIncomingDir(rootFor(options.roots, current.disposition), current.studyId);
    const dir = await tempDir;
    const relative = receivedPath(current.disposition, current.files.length, filename);
    const folder = path.posix.dirname(relative);
    if (folder !== '.') {
      if (!folders.has(folder)) folders.set(folder, mkdir(path.join(dir, folder)));
      await folders.get(folder);
    }
    const received = await receiveFile(stream, filename, path.join(dir, relative), limits);
    if ((stream as { truncated?: boolean }).truncated)
      throw new AppError('UPLOAD_FILE_TOO_LARGE', undefined, { limit: limits.maxFileBytes });
    sizes.set(filename, received.sizeBytes);
    described.set(filename, await describe(received, current));
  };

  try {
    await streamMultipart(req, {
      onField,
      onFile,
      limits: {
        fields: 1,
        fieldSize: limits.maxRequestFieldBytes,
        files: limits.maxFiles,
        fileSize: limits.maxFileBytes,
        parts: limits.maxFiles + 1,
      },
    });
    const complete = request as DescribeRequest | null;
    if (complete === null) throw new AppError('REQUEST_INVALID', 'The body has no field "request"');
    const missing = complete.files.filter((entry) => !sizes.has(entry.file)).map((entry) => entry.file);
    if (missing.length > 0)
      throw new AppError('REQUEST_INVALID', 'Files listed in the request were not sent', {
        missing: missing.slice(0, 20),
        count: missing.length,
      });
    const files = (existing as Disposition | null) === null ? complete.files.map((entry) => described.get(entry.file)!) : [];
    return { request: complete, sizes, tempDir: await assembling(), files };
  } catch (error) {
    const dir = await assembling().catch(() => null);
    if (dir) await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function countBytes(stream: AsyncIterable<Buffer>): Promise<number> {
  let bytes = 0;
  for await (const chunk of stream) bytes += chunk.length;
  return bytes;
}
