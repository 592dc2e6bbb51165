import path from 'node:path';
import { AppError, newStudyId, translateMultipartError, type MultipartStreamHandler } from '@dsv/common';
import type busboy from 'busboy';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import type { GatewayConfig } from '../config.ts';
import { waitsForOutcome } from '../routes/present-status.ts';
import type { StagingFolders } from './staging-folders.ts';
import { StagingStorage, type StagedUpload } from './staging-storage.ts';

export const FILE_FIELDS = ['files', 'file'] as const;

/**
 * Receives a multipart upload into `<stagingDir>/<id>/`: checks the content type, gives the upload its
 * server-side id, streams the parts to disk under limits, and removes the folder when anything fails.
 */
export function receiveUpload(config: GatewayConfig, stagingFolders: StagingFolders): RequestHandler[] {
  const { limits } = config;
  const options: multer.Options & { streamHandler: MultipartStreamHandler } = {
    storage: new StagingStorage(limits.maxUploadBytes),
    limits: {
      fileSize: limits.maxFileBytes,
      files: limits.maxFiles,
      parts: limits.maxParts,
      fieldSize: limits.maxFieldBytes,
      // Field names are ours ("files", "file"): anything longer than this is not a client of ours.
      fieldNameSize: 200,
      fields: 100,
    },
    streamHandler: refuseUnnamedParts,
  };
  const upload = multer(options).fields(FILE_FIELDS.map((name) => ({ name, maxCount: limits.maxFiles })));

  const prepare = async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    if (!req.is('multipart/form-data')) {
      next(new AppError('UNSUPPORTED_MEDIA_TYPE'));
      return;
    }
    const declared = Number(req.get('content-length'));
    if (Number.isFinite(declared) && declared > limits.maxUploadBytes) {
      next(new AppError('UPLOAD_TOO_LARGE'));
      return;
    }
    const id = newStudyId();
    const dir = path.resolve(config.stagingDir, id);
    // Synchronous: one metadata call, cheaper than a thread-pool round trip (common's durable-fd.ts).
    stagingFolders.create(dir);
    const staged: StagedUpload = { id, dir, files: [], totalBytes: 0, writing: new Set() };
    req.staged = staged;
    next();
  };

  /**
   * Answers `error` once what the upload left is removed; a removal that fails leaves it to the start-up
   * sweep, and the upload is still answered with its own error.
   */
  const refuse = (req: Request, next: NextFunction, error: unknown): void => {
    void discard(req, stagingFolders)
      .catch(() => undefined)
      .then(() => next(error));
  };

  const receive = (req: Request, res: Response, next: NextFunction): void => {
    upload(req, res, (error?: unknown) => {
      if (error) {
        // multer's and busboy's errors leave here in the project's words; the storage's own (a full
        // disk) go on unchanged.
        refuse(req, next, translateMultipartError(error) ?? error);
        return;
      }
      if (!req.staged || req.staged.files.length === 0) {
        refuse(req, next, new AppError('UPLOAD_NO_FILES'));
        return;
      }
      // Each file was flushed as it closed; the names in the upload's folder, and the folder's own name,
      // must be on disk too before the upload is answered as accepted (202). An upload that waits for its
      // outcome is accepted by that answer, once the descriptor has flushed the study folder that names
      // the same files: a crash before it loses nothing promised (routes/upload.ts).
      if (waitsForOutcome(req)) {
        next();
        return;
      }
      stagingFolders.flush(req.staged.dir).then(
        () => next(),
        (syncError: unknown) => refuse(req, next, syncError),
      );
    });
  };

  return [(req, res, next) => void prepare(req, res, next).catch(next), receive];
}

/**
 * A part in a file field without a file name is not a file for multer: it would be dropped without a
 * word (an application/octet-stream part) or kept as a text field. Sent data is never dropped silently:
 * the upload is refused. Destroying the parser makes multer abort and remove what was written.
 */
function refuseUnnamedParts(req: Request, parser: busboy.Busboy): void {
  const isFileField = (name: string): boolean => (FILE_FIELDS as readonly string[]).includes(name);
  const refuse = (field: string): void => {
    parser.destroy(new AppError('UPLOAD_PART_UNNAMED', undefined, { field }));
  };
  parser.on('file', (field, _stream, info) => {
    if (!info.filename && isFileField(field)) refuse(field);
  });
  parser.on('field', (field) => {
    if (isFileField(field)) refuse(field);
  });
  req.pipe(parser);
}

/**
 * Removes what an aborted or refused upload left in the staging area, once the files still being written
 * have settled (a write opening its file after the folder is gone would leave it behind).
 */
export async function discard(req: Request, stagingFolders: StagingFolders): Promise<void> {
  const staged = req.staged;
  if (!staged) return;
  await Promise.allSettled([...staged.writing]);
  await stagingFolders.release(staged.dir);
}
