import type { Readable } from 'node:stream';
import busboy from 'busboy';
import type { Request } from 'express';
import { AppError } from '../errors/app-error.ts';

export interface FilePart {
  field: string;
  /** The sender's file name: checked by the caller, never used as a path unchecked. */
  filename: string;
  stream: Readable;
}

export interface MultipartHandlers {
  onField?: (name: string, value: string) => void;
  /** Must consume the stream; the next part arrives only once this one is read (back-pressure). */
  onFile: (part: FilePart) => Promise<void>;
  limits?: { fileSize?: number; files?: number; fields?: number; fieldSize?: number; parts?: number };
}

/**
 * Streams the parts of a multipart request to the handlers, one file at a time, in order. Resolves when
 * every part has been handled; rejects with an AppError on a malformed body or a broken limit.
 */
export function streamMultipart(req: Request, handlers: MultipartHandlers): Promise<void> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: handlers.limits });
    } catch {
      reject(new AppError('UNSUPPORTED_MEDIA_TYPE'));
      return;
    }
    let failed = false;
    let chain: Promise<void> = Promise.resolve();
    const fail = (error: unknown): void => {
      if (failed) return;
      failed = true;
      req.unpipe(parser);
      req.resume();
      reject(error instanceof AppError ? error : new AppError('UPLOAD_MALFORMED', undefined, { reason: (error as Error)?.message }));
    };
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) return fail(new AppError('UPLOAD_TOO_MANY_PARTS', `The field "${name}" is too large`));
      try {
        handlers.onField?.(name, value);
      } catch (error) {
        fail(error);
      }
    });
    parser.on('file', (field, stream, info) => {
      if (failed) {
        stream.resume();
        return;
      }
      stream.once('limit', () => fail(new AppError('UPLOAD_FILE_TOO_LARGE')));
      const handled = handlers.onFile({ field, filename: info.filename ?? '', stream });
      chain = chain.then(() => handled);
      handled.catch(fail);
    });
    parser.on('filesLimit', () => fail(new AppError('UPLOAD_TOO_MANY_FILES')));
    parser.on('partsLimit', () => fail(new AppError('UPLOAD_TOO_MANY_PARTS')));
    parser.on('fieldsLimit', () => fail(new AppError('UPLOAD_TOO_MANY_PARTS')));
    parser.on('error', fail);
    parser.on('close', () => {
      chain.then(() => {
        if (!failed) resolve();
      }, fail);
    });
    req.on('aborted', () => fail(new AppError('UPLOAD_ABORTED')));
    req.pipe(parser);
  });
}
