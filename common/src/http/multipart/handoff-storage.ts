import type { Readable } from 'node:stream';
import type { Request } from 'express';
import type multer from 'multer';

export interface FilePart {
  field: string;
  /** The sender's file name: checked by the caller, never used as a path unchecked. */
  filename: string;
  stream: Readable;
}

/**
 * A multer storage engine that stores nothing itself: it hands each file part's stream to `onFile`.
 * multer calls it as busboy meets each file, and busboy meets the next file only once this one's stream
 * has been read (back-pressure), so the handlers read one file at a time, in the order sent.
 */
export class HandoffStorage implements multer.StorageEngine {
  /** Every handler started: a refusal is answered only once all of them have settled. */
  readonly started: Promise<void>[] = [];
  private readonly open = new Set<Readable>();
  private readonly thrown = new Set<unknown>();
  private readonly parserErrors = new Set<unknown>();
  /** Set once the body is refused: no part after that is handed on. */
  refused = false;

  constructor(private readonly onFile: (part: FilePart) => Promise<void>) {}

  _handleFile(_req: Request, file: Express.Multer.File, callback: (error?: unknown, info?: Partial<Express.Multer.File>) => void): void {
    const { stream } = file;
    // A destroyed parser still ends the chunk it was reading, and may meet a file there: refused already,
    // it is not handed on (its stream would never end).
    if (this.refused) {
      stream.resume();
      callback(null, {});
      return;
    }
    this.open.add(stream);
    stream.once('close', () => this.open.delete(stream));
    // A stream that errors was broken by the parser (a cut body, a destroyed parser): what the handler
    // rethrows from it is the body's fault, not the handler's.
    stream.once('error', (error) => this.parserErrors.add(error));
    // An async function, so that a handler throwing before its first await is a rejection too.
    const handled = (async () => this.onFile({ field: file.fieldname, filename: file.originalname, stream }))();
    this.started.push(handled);
    handled.then(
      () => callback(null, {}),
      (error: unknown) => {
        this.refuse(error, true);
        callback(error);
      },
    );
  }

  /** Nothing was stored here: what the handlers wrote is theirs to remove. */
  _removeFile(_req: Request, _file: Express.Multer.File, callback: (error: Error | null) => void): void {
    callback(null);
  }

  /**
   * The body is refused, by a handler or a hook of the caller (`thrown`) or for what the parser met: no
   * part after this one is handed on, and a part still being read is destroyed, so its handler settles now
   * rather than after reading a file whose body is already refused.
   */
  refuse(error: unknown, thrown: boolean): void {
    this.refused = true;
    if (thrown) this.thrown.add(error);
    this.stopReading();
  }

  /** True for an error a handler threw itself, which goes on unchanged (a refused part, a full disk). */
  isHandlerError(error: unknown): boolean {
    return this.thrown.has(error) && !this.parserErrors.has(error);
  }

  /** Destroys the parts still being read: their handlers settle now. */
  stopReading(): void {
    for (const stream of this.open) stream.destroy();
  }
}
