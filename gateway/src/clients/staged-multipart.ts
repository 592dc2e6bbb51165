import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';

import type { RequestBody } from './service-call.ts';

/**
 * A multipart/form-data body (RFC 7578) of staged files, produced on demand and of a known length; its
 * chunks: framing and file chunks in order, each file read only as fast as it is sent.
 */
export type StagedMultipart = RequestBody;

const CRLF = Buffer.from('\r\n');
const READ_CHUNK = 256 * 1024;

/**
 * The files of one staged upload as a multipart body, fields first (the descriptor reads its `request`
 * part before any file). Node 20's fetch reads a Blob or FormData body as fast as the disk allows,
 * whatever the socket accepts, so a 1 GB file was held whole in memory on its way out; this body is
 * piped into node:http with back-pressure instead. The length is known up front from the file sizes, so
 * the body is sent with Content-Length rather than chunked.
 */
export async function stagedMultipart(
  dir: string,
  files: readonly string[],
  fields: Record<string, string> = {},
): Promise<StagedMultipart> {
  const boundary = `----dsv${randomBytes(12).toString('hex')}`;
  const fieldParts = Object.entries(fields).map(([name, value]) =>
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${quote(name)}"\r\n\r\n${value}\r\n`),
  );
  const fileParts = await Promise.all(
    files.map(async (file) => {
      const full = path.join(dir, file);
      const head = Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${quote(file)}"\r\nContent-Type: application/dicom\r\n\r\n`,
      );
      return { full, head, size: (await stat(full)).size };
    }),
  );
  const closing = Buffer.from(`--${boundary}--\r\n`);
  const contentLength =
    fieldParts.reduce((n, part) => n + part.length, 0) +
    fileParts.reduce((n, part) => n + part.head.length + part.size + CRLF.length, 0) +
    closing.length;

  async function* chunks(): AsyncGenerator<Buffer> {
    yield* fieldParts;
    for (const { full, head, size } of fileParts) {
      yield head;
      if (size > 0) {
        let sent = 0;
        // `end` keeps the body at the announced length even if a staged file grew since it was measured.
        for await (const chunk of createReadStream(full, { start: 0, end: size - 1, highWaterMark: READ_CHUNK })) {
          sent += (chunk as Buffer).length;
          yield chunk as Buffer;
        }
        if (sent !== size) throw new Error(`staged file ${path.basename(full)} shrank while it was sent`);
      }
      yield CRLF;
    }
    yield closing;
  }

  return { contentType: `multipart/form-data; boundary=${boundary}`, contentLength, chunks };
}

/** The escaping of field and file names that the HTML form-data encoding uses (WHATWG HTML §4.10.21.8). */
function quote(name: string): string {
  return name.replace(/\r/g, '%0D').replace(/\n/g, '%0A').replace(/"/g, '%22');
}
