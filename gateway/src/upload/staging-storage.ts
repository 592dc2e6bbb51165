import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { AppError, writeStreamDurable } from '@dsv/common';
import type { Request } from 'express';
import type multer from 'multer';

/** One upload being received: where its files go and how many bytes have arrived so far. */
export interface StagedUpload {
  id: string;
  dir: string;
  files: StagedFile[];
  totalBytes: number;
  /** Files still being written: a refused or aborted upload is removed only once they have settled. */
  writing: Set<Promise<unknown>>;
}

export interface StagedFile {
  /** The name on disk, e.g. '0001.dcm': never the client's name. */
  file: string;
  clientName: string;
  sizeBytes: number;
  sha256: string;
}

declare module 'express-serve-static-core' {
  interface Request {
    staged?: StagedUpload;
  }
}

/**
 * A multer storage engine that writes each part to `<upload dir>/NNNN.dcm`, hashing while it writes
 * (no second pass), and enforces the per-upload byte limit, which multer itself does not have.
 */
export class StagingStorage implements multer.StorageEngine {
  constructor(private readonly maxUploadBytes: number) {}

  _handleFile(req: Request, file: Express.Multer.File, callback: (error?: unknown, info?: Partial<Express.Multer.File>) => void): void {
    const staged = req.staged;
    if (!staged) {
      callback(new AppError('INTERNAL', 'upload staging was not prepared'));
      return;
    }
    const name = `${String(staged.files.length + 1).padStart(4, '0')}.dcm`;
    const entry: StagedFile = { file: name, clientName: displayName(file.originalname), sizeBytes: 0, sha256: '' };
    staged.files.push(entry);
    const target = path.join(staged.dir, name);
    const hash = createHash('sha256');
    // Flushed before the file counts as written: an upload answered 202 survives a power cut, not only a crash.
    const written = writeStreamDurable(file.stream, target, (chunk) => {
      staged.totalBytes += chunk.length;
      entry.sizeBytes += chunk.length;
      if (staged.totalBytes > this.maxUploadBytes) throw new AppError('UPLOAD_TOO_LARGE');
      hash.update(chunk);
    });
    staged.writing.add(written);
    written.then(
      () => {
        staged.writing.delete(written);
        entry.sha256 = hash.digest('hex');
        callback(null, { path: target, size: entry.sizeBytes, filename: name });
      },
      (error: unknown) => {
        staged.writing.delete(written);
        callback(error);
      },
    );
  }

  _removeFile(_req: Request, file: Express.Multer.File, callback: (error: Error | null) => void): void {
    rm(file.path, { force: true }).then(() => callback(null), callback);
  }
}

/** The client's file name, for people reading the status: no path, no control characters, bounded. */
export function displayName(original: string | undefined): string {
  const base = (original ?? '').split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/[\u0000-\u001f\u007f]/g, '').slice(0, 255);
  return clean || 'unnamed';
}
