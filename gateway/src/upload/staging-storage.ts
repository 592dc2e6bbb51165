import { createHash } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { AppError, fsyncFd, writeAllSync } from '@dsv/common';
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
  /** From the validator's report, once validated: what the instance index is rebuilt from. */
  SOPInstanceUID?: string;
  TransferSyntaxUID?: string;
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
    const written = writeNewFile(file.stream, target, (chunk) => {
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

/**
 * Streams `source` into a new file (never an existing one: 'wx'), handing each chunk to `take` first (it
 * may refuse the chunk by throwing, which ends the file and the source); the file's data is on disk
 * (fsync) when this resolves, so an upload answered 202 survives a power cut, not only a crash.
 *
 * Each chunk is written synchronously into the page cache (common's durable-fd.ts): a write stream sent
 * every 64 KiB chunk through the thread pool, and each round trip, a futex wake and an eventfd on this
 * kind of VM, cost the event loop more than the copy itself. Only the fsync waits for the disk, off the
 * event loop.
 */
async function writeNewFile(source: Readable, target: string, take: (chunk: Buffer) => void): Promise<void> {
  const fd = openSync(target, 'wx');
  try {
    for await (const chunk of source) {
      take(chunk as Buffer);
      writeAllSync(fd, chunk as Buffer);
    }
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
}

