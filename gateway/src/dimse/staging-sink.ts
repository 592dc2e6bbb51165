import { createHash } from 'node:crypto';
import { closeSync, openSync, unlinkSync } from 'node:fs';
import { Writable } from 'node:stream';
import { fdatasyncFd, writeAllSync } from '@dsv/common';

/** Why an instance was not kept: an outcome code of dimse-status.ts and what happened. */
export interface SinkFailure {
  code: 'DIMSE_INSTANCE_TOO_LARGE' | 'STORAGE_FAILED';
  message: string;
}

export interface SinkResult {
  sizeBytes: number;
  sha256: string;
}

/**
 * Where dcmjs-dimse writes the data set of one C-STORE (Scp.createStoreWritableStream): the file
 * `target`, the Part 10 header first, each P-DATA fragment appended as it arrives (page cache, no
 * thread-pool round trip), hashed on the way, and flushed (fdatasync) before 'finish'. Nothing of the
 * data set stays in memory. Past `maxBytes` it stops writing, removes the file and keeps discarding what
 * follows, so the association can go on and be answered (A701).
 */
export class StagingSink extends Writable {
  private fd: number | null;
  private readonly hash = createHash('sha256');
  private bytes = 0;
  /** Set when the instance cannot be kept: too large, or a write failed. */
  failure: SinkFailure | null = null;
  result: SinkResult | null = null;

  constructor(
    readonly target: string,
    header: Buffer,
    private readonly maxBytes: number,
  ) {
    super({ decodeStrings: true });
    this.fd = openSync(target, 'wx');
    this.take(header);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.failure === null) this.take(chunk);
    callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.failure !== null || this.fd === null) {
      callback();
      return;
    }
    const fd = this.fd;
    fdatasyncFd(fd).then(
      () => {
        this.closeFd();
        this.result = { sizeBytes: this.bytes, sha256: this.hash.digest('hex') };
        callback();
      },
      (error: unknown) => {
        this.drop({ code: 'STORAGE_FAILED', message: (error as Error).message });
        callback();
      },
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // An association aborted mid-instance: nothing partial is kept.
    if (this.result === null)
      this.drop(this.failure ?? { code: 'STORAGE_FAILED', message: 'the association ended before the instance was complete' });
    callback(error);
  }

  private take(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      this.drop({ code: 'DIMSE_INSTANCE_TOO_LARGE', message: 'the instance is larger than dimse.maxInstanceBytes' });
      return;
    }
    try {
      writeAllSync(this.fd!, chunk);
      this.hash.update(chunk);
    } catch (error) {
      this.drop({ code: 'STORAGE_FAILED', message: (error as Error).message });
    }
  }

  private drop(failure: SinkFailure): void {
    this.failure ??= failure;
    this.closeFd();
    try {
      unlinkSync(this.target);
    } catch {
      // already gone
    }
  }

  private closeFd(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }
}
