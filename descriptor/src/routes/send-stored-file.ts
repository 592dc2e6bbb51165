import type { Stats } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { AppError } from '@dsv/common';
import type { Request, Response } from 'express';
import send from 'send';

export interface FileAnswer {
  contentType: string;
  /** The stored sha256 of the file, when known: a strong validator (RFC 9110 §8.8.3). */
  sha256?: string | null;
  /** The name a browser saves the file under. Already checked: a UID or a stored name. */
  downloadName?: string;
}

/** What `send` reports when it does not send the file: an http-errors error, or the fs error it wraps. */
type SendError = Error & { status?: number };

/**
 * Streams `relative`, a file of `folder`, with `send` (the module behind express's res.sendFile): whole
 * or one byte range (206, 416 past its end), HEAD, If-None-Match (304), If-Match (412) and If-Range,
 * all against the ETag, which is the stored sha256 when known and absent otherwise. send's own weak
 * ETag (size and mtime) and Last-Modified are off, so an If-Range never matches a guess, and so is its
 * `Cache-Control: public`: these are patient files. The path cannot leave `folder` (send refuses `..`).
 * Answers 'missing' when the file is not there, so that the caller picks the 404.
 */
export function sendStoredFile(
  req: Request,
  res: Response,
  folder: string,
  relative: string,
  answer: FileAnswer,
): Promise<'sent' | 'missing'> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      outcome();
    };
    let size = 0;
    const file = send(req, encodeURI(relative), {
      root: folder,
      etag: false,
      lastModified: false,
      cacheControl: false,
      index: false,
      dotfiles: 'deny',
    });
    file.on('file', (_path: string, stat: Stats) => {
      size = stat.size;
      widenLongSuffix(req, stat.size);
    });
    file.on('headers', (response: ServerResponse) => {
      response.setHeader('Content-Type', answer.contentType);
      if (answer.sha256) response.setHeader('ETag', `"${answer.sha256}"`);
      if (answer.downloadName) response.setHeader('Content-Disposition', `attachment; filename="${answer.downloadName}"`);
    });
    file.on('directory', () => settle(() => resolve('missing')));
    file.on('error', (error: SendError) =>
      settle(() => {
        if (res.headersSent) {
          // The file failed mid-stream: the status line is gone, the answer can only be cut off.
          res.destroy();
          resolve('sent');
          return;
        }
        // The error body is JSON: the file's own headers must not describe it.
        res.removeHeader('Content-Type');
        res.removeHeader('Content-Disposition');
        if (error.status === 416) reject(new AppError('RANGE_NOT_SATISFIABLE', undefined, { size }));
        else if (error.status === 412) reject(new AppError('PRECONDITION_FAILED'));
        // 404: no such file; 403: a path that would leave the folder, or a dot file; 400: a null byte.
        else if (error.status === 404 || error.status === 403 || error.status === 400) resolve('missing');
        else reject(error);
      }),
    );
    file.on('end', () => settle(() => resolve('sent')));
    // 304, HEAD, or a client gone mid-file.
    res.once('close', () => settle(() => resolve('sent')));
    file.pipe(res);
  });
}

const SUFFIX_RANGE = /^\s*bytes\s*=\s*-\s*(\d+)\s*$/i;

/**
 * A suffix range longer than the file selects the whole file (RFC 9110 §14.1.2); range-parser, under
 * send, answers it as unsatisfiable instead. Rewritten before send reads the header.
 */
function widenLongSuffix(req: Request, size: number): void {
  const suffix = SUFFIX_RANGE.exec(req.headers.range ?? '');
  if (suffix && size > 0 && Number(suffix[1]) > size) req.headers.range = 'bytes=0-';
}
