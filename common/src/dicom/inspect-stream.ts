import type { Readable } from 'node:stream';
import { EncapsulatedItemWalker } from './encapsulated-items.ts';
import { UNDEFINED_LENGTH, type Inspection, type ParseIssue, type ParsedDicom, type PixelDataFacts } from './model.ts';
import { parsePart10, type ParseOptions, type PixelElementHeader } from './parse-part10.ts';

export interface InspectOptions extends ParseOptions {
  /** The header (everything before the Pixel Data value) may not be larger than this. */
  maxHeaderBytes: number;
}

export const DefaultInspectOptions: InspectOptions = Object.freeze({
  maxHeaderBytes: 64 * 1024 * 1024,
  maxInflatedBytes: 512 * 1024 * 1024,
});

const FIRST_ATTEMPT_BYTES = 64 * 1024;

/**
 * Reads a DICOM file as it streams past, keeping only its header in memory: a 1 GB multi-frame file costs
 * about as much memory as a 1 MB one. The header is parsed at growing thresholds (×4), so a header is
 * parsed at most a few times; after the Pixel Data element header, bytes are only counted (native) or
 * their item structure followed (encapsulated).
 */
export class DicomInspector {
  private chunks: Buffer[] = [];
  private captured = 0;
  private total = 0;
  private nextAttemptAt = FIRST_ATTEMPT_BYTES;
  private phase: 'header' | 'pixels' | 'done' = 'header';
  private parsed: ParsedDicom | null = null;
  private pixel: PixelElementHeader | null = null;
  private pixelBytesSeen = 0;
  private walker: EncapsulatedItemWalker | null = null;
  private issues: ParseIssue[] = [];
  private deflated = false;

  constructor(private readonly options: InspectOptions = DefaultInspectOptions) {}

  write(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.phase === 'pixels') this.followPixels(chunk);
    else if (this.phase === 'header') {
      this.chunks.push(chunk);
      this.captured += chunk.length;
      // The limit holds byte for byte, not only at parse attempts: a last attempt at the limit, then stop.
      // A deflated data set can only be inflated whole, so it is parsed at the end of the file.
      if (this.captured > this.options.maxHeaderBytes) {
        if (!this.deflated) this.attempt(false);
        if (this.phase === 'header') this.finish([{ kind: 'header-too-large', limitBytes: this.options.maxHeaderBytes }], null);
      } else if (!this.deflated && this.captured >= this.nextAttemptAt) this.attempt(false);
    }
  }

  /**
   * True once the bytes still to come are only counted (native Pixel Data, or after the end of the
   * parse): a reader with random access may then `skip` them instead of reading them.
   */
  get skippable(): boolean {
    return this.phase === 'done' || (this.phase === 'pixels' && this.walker === null);
  }

  /** Counts `bytes` that were not read; only while `skippable`. */
  skip(bytes: number): void {
    if (!this.skippable) throw new Error('DicomInspector.skip: these bytes must be read');
    this.total += bytes;
    if (this.phase === 'pixels') this.pixelBytesSeen += bytes;
  }

  end(): Inspection {
    if (this.phase === 'header') this.attempt(true);
    return {
      fileBytes: this.total,
      parsed: this.parsed,
      pixelData: this.pixelFacts(),
      issues: [...this.issues, ...this.pixelIssues()],
    };
  }

  private attempt(final: boolean): void {
    const bytes = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.captured);
    this.chunks = [bytes];
    const result = parsePart10(bytes, final, this.options);
    if (result.status === 'incomplete') {
      if (isDeflated(bytes)) this.deflated = true;
      if (this.captured >= this.options.maxHeaderBytes) {
        this.finish([{ kind: 'header-too-large', limitBytes: this.options.maxHeaderBytes }], null);
        return;
      }
      this.nextAttemptAt = Math.max(this.captured + 1, this.nextAttemptAt * 4);
      return;
    }
    if (result.status === 'failed') {
      this.finish(result.issues, result.parsed);
      return;
    }
    this.parsed = result.parsed;
    this.pixel = result.pixelElement;
    if (!this.pixel) {
      this.finish([], result.parsed);
      return;
    }
    // Keep the header only; what follows the Pixel Data element header is followed, not kept.
    const headerEnd = this.pixel.offset;
    const parsedBytes = result.parsed.bytes;
    const tail = parsedBytes === bytes ? bytes.subarray(headerEnd) : Buffer.alloc(0);
    this.parsed = { ...result.parsed, bytes: parsedBytes === bytes ? Buffer.from(bytes.subarray(0, headerEnd)) : parsedBytes };
    this.chunks = [];
    this.phase = 'pixels';
    if (this.pixel.length === UNDEFINED_LENGTH) this.walker = new EncapsulatedItemWalker();
    if (parsedBytes !== bytes) {
      // Inflated: the whole data set is in hand already.
      this.pixelBytesSeen = parsedBytes.length - headerEnd;
      if (this.walker) this.walker.push(parsedBytes.subarray(headerEnd));
      this.phase = 'done';
      return;
    }
    this.followPixels(tail);
  }

  private followPixels(chunk: Uint8Array): void {
    if (this.walker) this.walker.push(chunk);
    else this.pixelBytesSeen += chunk.length;
  }

  private finish(issues: ParseIssue[], parsed: ParsedDicom | null): void {
    this.issues.push(...issues);
    this.parsed = parsed;
    this.chunks = [];
    this.phase = 'done';
  }

  private pixelFacts(): PixelDataFacts | null {
    if (!this.pixel) return null;
    const declared = this.pixel.length;
    return {
      vr: this.pixel.vr,
      offset: this.pixel.offset,
      declaredLength: declared,
      availableBytes: declared === UNDEFINED_LENGTH ? this.pixelBytesSeen : Math.min(declared, this.pixelBytesSeen),
      encapsulated: this.walker ? this.walker.facts() : null,
    };
  }

  private pixelIssues(): ParseIssue[] {
    const facts = this.pixelFacts();
    if (!facts || facts.encapsulated) return [];
    if (facts.availableBytes < facts.declaredLength) {
      return [{ kind: 'element-past-eof', tag: '7FE00010', declaredLength: facts.declaredLength, availableBytes: facts.availableBytes }];
    }
    return [];
  }
}

function isDeflated(bytes: Uint8Array): boolean {
  // The Transfer Syntax UID value sits in the first few hundred bytes of the file meta.
  return Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 1024)).includes('1.2.840.10008.1.2.1.99');
}

export async function inspectStream(stream: Readable, options: InspectOptions = DefaultInspectOptions): Promise<Inspection> {
  const inspector = new DicomInspector(options);
  for await (const chunk of stream) inspector.write(chunk as Buffer);
  return inspector.end();
}
