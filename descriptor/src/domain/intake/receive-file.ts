import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { DicomInspector, writeStreamDurable, type InspectOptions, type Inspection } from '@dsv/common';

/** A file in the assembly folder with its header as read. */
export interface ReceivedFile {
  /** The gateway's stored name, e.g. '0001.dcm'. */
  file: string;
  tempPath: string;
  sizeBytes: number;
  sha256: string;
  inspection: Inspection;
}

/**
 * Streams one file part into `target` (a new file) while hashing it and reading its header, in the same pass: the bytes
 * are read once, whatever the size of the file, and only the header stays in memory. The file is flushed
 * to disk before this resolves, so the folder rename that publishes it cannot outrun its data.
 */
export async function receiveFile(source: Readable, file: string, tempPath: string, options: InspectOptions): Promise<ReceivedFile> {
  const hash = createHash('sha256');
  const inspector = new DicomInspector(options);
  let sizeBytes = 0;
  await writeStreamDurable(source, tempPath, (chunk) => {
    hash.update(chunk);
    inspector.write(chunk);
    sizeBytes += chunk.length;
  });
  return { file, tempPath, sizeBytes, sha256: hash.digest('hex'), inspection: inspector.end() };
}
