import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
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
 * every part has been handled; rejects with an AppError on a malformed body or a broken limit, or with
 * the error a handler threw. It rejects only once every handler it started has settled (the part being
 * read is destroyed), so the caller can remove what the handlers wrote without racing them, and once the
 * rest of the body has been read and dropped.
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
    const started: Promise<void>[] = [];
    const open = new Set<Readable>();
    const stop = (error: unknown): void => {
      if (failed) return;
      failed = true;
      req.unpipe(parser);
      req.resume();
      // Unpiped, the parser sends no more bytes: a part being read would never end.
      for (const stream of open) stream.destroy();
      // The answer waits until the body is drained: a server that closes while the client still sends
      // makes many clients (curl, superagent) fail with EPIPE before they read the error.
      const drained = finished(req).catch(() => undefined);
      void Promise.allSettled([...started, drained]).then(() => reject(error));
    };
    /** The body itself is broken: what the parser throws becomes UPLOAD_MALFORMED. */
    const fail = (error: unknown): void => {
      stop(error instanceof AppError ? error : new AppError('UPLOAD_MALFORMED', undefined, { reason: (error as Error)?.message }));
    };
    // A handler's own error (a refused part, a full disk: ENOSPC) goes on unchanged, so the error handler
    // can answer it for what it is, not as a malformed body.
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) return fail(new AppError('UPLOAD_TOO_MANY_PARTS', `The field "${name}" is too large`));
      try {
        handlers.onField?.(name, value);
      } catch (error) {
        stop(error);
      }
    });
    parser.on('file', (field, stream, info) => {
      if (failed) {
        stream.resume();
        return;
      }
      stream.once('limit', () => fail(new AppError('UPLOAD_FILE_TOO_LARGE')));
      open.add(stream);
      stream.once('close', () => open.delete(stream));
      const handled = handlers.onFile({ field, filename: info.filename ?? '', stream });
      started.push(handled);
      chain = chain.then(() => handled);
      // stop() unpipes the parser, so 'close' never comes to handle the chain: without this, a refused
      // part is an unhandled rejection and ends the process.
      chain.catch(() => undefined);
      handled.catch(stop);
    });
    parser.on('filesLimit', () => fail(new AppError('UPLOAD_TOO_MANY_FILES')));
    parser.on('partsLimit', () => fail(new AppError('UPLOAD_TOO_MANY_PARTS')));
    parser.on('fieldsLimit', () => fail(new AppError('UPLOAD_TOO_MANY_PARTS')));
    parser.on('error', fail);
    parser.on('close', () => {
      chain.then(() => {
        if (!failed) resolve();
      }, stop);
    });
    req.on('aborted', () => fail(new AppError('UPLOAD_ABORTED')));
    req.pipe(parser);
  });
}
