import { open, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { writeDurable } from '@dsv/common';

/** DICOM JSON held in memory per study before it goes to the spool file: a small study never touches disk. */
export const SPOOL_MEMORY_BYTES = 1 << 20;

/** Bytes gathered before one write to metadata.dicom.json. */
const WRITE_BATCH_BYTES = 1 << 20;

/** The spool file, inside the assembly folder; removed before the folder is published. */
const SPOOL_NAME = '.dicom-json.spool';

type Piece = { text: Buffer } | { offset: number; length: number };

/**
 * The DICOM JSON of each instance of one study, from the moment its header is read until the study is
 * composed. Held in memory up to `memoryBytes` in all; past that, every piece goes to one spool file in
 * the assembly folder, so a study of 5,000 files holds none of it in memory.
 */
export class DicomJsonSpool {
  readonly #pieces = new Map<string, Piece>();
  readonly #memoryBytes: number;
  #inMemory = 0;
  #spoolPath: string | null = null;
  #handle: FileHandle | null = null;
  #end = 0;
  #spilled = false;
  /** Files are described concurrently: the spill and the appends run one after the other. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(memoryBytes = SPOOL_MEMORY_BYTES) {
    this.#memoryBytes = memoryBytes;
  }

  /** Whether the pieces went to the spool file (past `memoryBytes`). */
  get spilled(): boolean {
    return this.#spilled;
  }

  /** Keeps the DICOM JSON (serialised) of the stored name `file`; `tempDir` is the study's assembly folder. */
  async add(file: string, text: Buffer, tempDir: string): Promise<void> {
    if (!this.#spilled && this.#inMemory + text.length <= this.#memoryBytes) {
      this.#pieces.set(file, { text });
      this.#inMemory += text.length;
      return;
    }
    this.#spilled = true;
    const appended = this.#queue.then(async () => {
      if (this.#handle === null) await this.#spill(tempDir);
      this.#pieces.set(file, await this.#append(text));
    });
    this.#queue = appended.catch(() => undefined);
    await appended;
  }

  /**
   * metadata.dicom.json: the JSON array of the instances in the given order, one instance a line,
   * flushed to disk; the spool file is removed. It is written inside the assembly folder, which one
   * rename publishes whole, so it needs no temporary name of its own.
   */
  async writeArray(target: string, order: readonly string[]): Promise<void> {
    if (!this.#spilled) {
      const pieces = order.map((file, index) => [Buffer.from(index === 0 ? '[\n' : ',\n'), this.#inMemoryPiece(file)]).flat();
      await writeDurable(target, Buffer.concat([...(pieces.length === 0 ? [Buffer.from('[\n')] : pieces), Buffer.from('\n]\n')]));
      await this.close();
      return;
    }
    const handle = await open(target, 'wx');
    try {
      let batch: Buffer[] = [Buffer.from('[\n')];
      let size = 0;
      for (const [index, file] of order.entries()) {
        const piece = await this.#read(file);
        batch.push(Buffer.from(index === 0 ? '' : ',\n'), piece);
        size += piece.length;
        if (size >= WRITE_BATCH_BYTES) {
          await handle.write(Buffer.concat(batch));
          batch = [];
          size = 0;
        }
      }
      batch.push(Buffer.from('\n]\n'));
      await handle.write(Buffer.concat(batch));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await this.close();
    if (this.#spoolPath !== null) await rm(this.#spoolPath, { force: true });
  }

  /** Drops what is held and closes the spool file; the caller removes the assembly folder. */
  async close(): Promise<void> {
    await this.#queue;
    this.#pieces.clear();
    this.#inMemory = 0;
    const handle = this.#handle;
    this.#handle = null;
    await handle?.close();
  }

  async #spill(tempDir: string): Promise<void> {
    this.#spoolPath = path.join(tempDir, SPOOL_NAME);
    this.#handle = await open(this.#spoolPath, 'wx+');
    for (const [file, piece] of this.#pieces) {
      if ('text' in piece) this.#pieces.set(file, await this.#append(piece.text));
    }
    this.#inMemory = 0;
  }

  async #append(text: Buffer): Promise<Piece> {
    const offset = this.#end;
    this.#end += text.length;
    await this.#handle!.write(text, 0, text.length, offset);
    return { offset, length: text.length };
  }

  #inMemoryPiece(file: string): Buffer {
    const piece = this.#pieces.get(file);
    if (piece === undefined || !('text' in piece)) throw new Error(`No DICOM JSON was kept for ${file}`);
    return piece.text;
  }

  async #read(file: string): Promise<Buffer> {
    const piece = this.#pieces.get(file);
    if (piece === undefined) throw new Error(`No DICOM JSON was spooled for ${file}`);
    if ('text' in piece) return piece.text;
    const buffer = Buffer.allocUnsafe(piece.length);
    const { bytesRead } = await this.#handle!.read(buffer, 0, piece.length, piece.offset);
    if (bytesRead !== piece.length) throw new Error(`The spooled DICOM JSON of ${file} is short`);
    return buffer;
  }
}
