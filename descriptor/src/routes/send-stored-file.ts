import { open, type FileHandle } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { AppError } from '@dsv/common';
import type { Request, Response } from 'express';
import { parseByteRange } from './parse-byte-range.ts';

export interface FileAnswer {
  contentType: string;
  /** The stored sha256 of the file, when known: a strong validator (RFC 9110 §8.8.3). */
  sha256?: string | null;
  /** The name a browser saves the file under. Already checked: a UID or a stored name. */
  downloadName?: string;
}

/**
 * Streams one file of a study folder, whole or one byte range of it (206, or 416 past its end), with
 * Accept-Ranges, and an ETag when its hash is known (304 to an If-None-Match that matches; a Range with
 * an If-Range that does not match is answered with the whole file). Answers 'missing' when the file is
 * not there, so that the caller picks the 404. The file is opened once, and its size read from the open
 * file: what is sent is what was measured.
 */
export async function sendStoredFile(req: Request, res: Response, file: string, answer: FileAnswer): Promise<'sent' | 'missing'> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
    throw error;
  }
  try {
    const { size } = await handle.stat();
    const etag = answer.sha256 ? `"${answer.sha256}"` : null;
    res.setHeader('Accept-Ranges', 'bytes');
    if (etag) res.setHeader('ETag', etag);
    if (etag && matchesAny(req.get('if-none-match'), etag)) {
      res.status(304).end();
      return 'sent';
    }
    const range = rangeApplies(req.get('if-range'), etag) ? parseByteRange(req.get('range'), size) : null;
    if (range === 'unsatisfiable') {
      // The error body is JSON: no Content-Type of the file may be set yet.
      res.setHeader('Content-Range', `bytes */${size}`);
      throw new AppError('RANGE_NOT_SATISFIABLE', undefined, { size });
    }
    res.setHeader('Content-Type', answer.contentType);
    if (answer.downloadName) res.setHeader('Content-Disposition', `attachment; filename="${answer.downloadName}"`);
    const { start, end } = range ?? { start: 0, end: size - 1 };
    if (range) {
      res.status(206);
      res.setHeader('Content-Range', `bytes ${start}-${end}/${size}`);
    }
    res.setHeader('Content-Length', String(end - start + 1));
    if (req.method === 'HEAD' || size === 0) {
      res.end();
      return 'sent';
    }
    try {
      await pipeline(handle.createReadStream({ start, end, autoClose: false }), res);
    } catch (error) {
      // The client went away mid-file: nothing to answer, nothing to log as a failure.
      if ((error as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE') return 'sent';
      throw error;
    }
    return 'sent';
  } finally {
    await handle.close();
  }
}

/** If-None-Match: '*' or a list of entity tags, compared weakly (RFC 9110 §13.1.2). */
function matchesAny(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((candidate) => {
    const tag = candidate.trim();
    return tag === '*' || tag.replace(/^W\//, '') === etag;
  });
}

/** A Range counts unless If-Range names another version; a date there cannot be checked: no Last-Modified is sent (RFC 9110 §13.1.5). */
function rangeApplies(ifRange: string | undefined, etag: string | null): boolean {
  if (ifRange === undefined) return true;
  return etag !== null && ifRange.trim() === etag;
}
