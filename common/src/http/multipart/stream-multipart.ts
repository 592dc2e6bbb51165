import type busboy from 'busboy';
import type { Request } from 'express';
import multer from 'multer';
import { AppError } from '../../errors/app-error.ts';
import { HandoffStorage, type FilePart } from './handoff-storage.ts';
import { translateMultipartError } from './translate-multipart-error.ts';

export type { FilePart } from './handoff-storage.ts';

export interface MultipartHandlers {
  /** Called as each field arrives, before the parts after it; what it throws refuses the body. */
  onField?: (name: string, value: string) => void;
  /** Must consume the stream; the next part arrives only once this one is read (back-pressure). */
  onFile: (part: FilePart) => Promise<void>;
  limits?: { fileSize?: number; files?: number; fields?: number; fieldSize?: number; parts?: number };
}

/** multer 2's `streamHandler`, its hook between the request and busboy, which @types/multer does not know yet. */
export type MultipartStreamHandler = (req: Request, parser: busboy.Busboy) => void;

/**
 * Streams the parts of a multipart request to the handlers, through multer, one file at a time, in order.
 * Resolves when every part has been handled; rejects with an AppError on a malformed body or a broken
 * limit, or with the error a handler threw, unchanged. It rejects only once every handler it started has
 * settled (the part being read is destroyed), so the caller can remove what the handlers wrote without
 * racing them, and once the rest of the body has been read and dropped (multer drains it: a server that
 * closes while the client still sends makes many clients fail with EPIPE before they read the error).
 */
export function streamMultipart(req: Request, handlers: MultipartHandlers): Promise<void> {
  // multer passes any other body by untouched, as if it held no part.
  if (!req.is('multipart/form-data')) return Promise.reject(new AppError('UNSUPPORTED_MEDIA_TYPE'));
  // multer never writes to the response; express gives every request its own.
  const res = req.res;
  if (!res) return Promise.reject(new AppError('INTERNAL', 'The request has no response to go with it'));
  const storage = new HandoffStorage(handlers.onFile);
  const streamHandler: MultipartStreamHandler = (request, parser) => {
    watchParts(parser, storage, handlers.onField);
    request.pipe(parser);
  };
  const options: multer.Options & { streamHandler: MultipartStreamHandler } = { storage, limits: handlers.limits, streamHandler };
  const upload = multer(options).any();
  return new Promise((resolve, reject) => {
    upload(req, res, (error?: unknown) => {
      if (error === undefined) {
        resolve();
        return;
      }
      // An aborted request is answered by multer at once: its handlers have not all settled yet.
      storage.stopReading();
      // A handler's error goes on as thrown (the error handler knows a full disk); the parser's is translated.
      const reason: unknown = storage.isHandlerError(error)
        ? error
        : (translateMultipartError(error) ?? new AppError('UPLOAD_MALFORMED', undefined, { reason: (error as Error | null)?.message }));
      void Promise.allSettled(storage.started).then(() => reject(reason));
    });
  });
}

/**
 * Listens beside multer, which keeps fields in `req.body` and skips a file part without a file name
 * without a word. Fields go to `onField` as they come, so a field can decide how the files after it are
 * read; sent data is never dropped silently, so an unnamed file part refuses the body. Destroying the
 * parser makes multer stop, wait for the handlers, drain the body and answer with that error.
 */
function watchParts(parser: busboy.Busboy, storage: HandoffStorage, onField: MultipartHandlers['onField']): void {
  const refuse = (error: unknown, thrown: boolean): void => {
    if (storage.refused) return;
    storage.refuse(error, thrown);
    parser.destroy(error as Error);
  };
  parser.on('field', (name, value, info) => {
    // multer refuses these itself (MISSING_FIELD_NAME, LIMIT_FIELD_VALUE).
    if (storage.refused || name === undefined || info.valueTruncated || info.nameTruncated) return;
    try {
      onField?.(name, value);
    } catch (error) {
      refuse(error, true);
    }
  });
  parser.on('file', (field, _stream, info) => {
    if (field !== undefined && !info.filename) refuse(new AppError('UPLOAD_PART_UNNAMED', undefined, { field: field.slice(0, 64) }), false);
  });
}
