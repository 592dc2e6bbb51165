import type { Vr } from './dictionary.ts';

/** PS3.5 §7.1.1: a length of FFFFFFFFH means "undefined length". */
export const UNDEFINED_LENGTH = 0xffffffff;

export interface DicomElement {
  /** Eight upper-case hex digits, e.g. '0020000D'. */
  readonly tag: string;
  /** From the file (explicit VR) or the dictionary (implicit VR); undefined when neither knows it. */
  readonly vr: Vr | undefined;
  readonly vrSource: 'explicit' | 'dictionary' | 'unknown';
  /** Offset of the value in the parsed bytes. */
  readonly offset: number;
  /** The declared length, or UNDEFINED_LENGTH. */
  readonly length: number;
  readonly items?: readonly DicomItem[];
  /**
   * Set when the value's byte order is not the data set's: true inside the items of a UN element of
   * undefined length in a big-endian file, which are Implicit VR Little Endian (PS3.5 §6.2.2). Read
   * through ElementReader.littleEndian.
   */
  readonly littleEndian?: boolean;
}

export type DicomItem = ReadonlyMap<string, DicomElement>;
export type DicomDataSet = ReadonlyMap<string, DicomElement>;

/** What the file's bytes say about Pixel Data, without reading a pixel. */
export interface PixelDataFacts {
  readonly vr: Vr | undefined;
  readonly offset: number;
  readonly declaredLength: number;
  /** Bytes of the value that are really in the file (native pixel data). */
  readonly availableBytes: number;
  readonly encapsulated: EncapsulationFacts | null;
}

export interface EncapsulationFacts {
  /** Entries in the Basic Offset Table (0 when it is empty). */
  readonly offsetTableEntries: number;
  readonly fragments: number;
  readonly delimited: boolean;
  /** The file ended inside an item or before the Sequence Delimitation Item. */
  readonly truncated: boolean;
  /** The first thing wrong with the item structure, if any. */
  readonly problem: string | null;
}

/** Structural facts the parser saw; the validator decides what they mean. */
export type ParseIssue =
  | { kind: 'empty-file' }
  | { kind: 'not-dicom' }
  | { kind: 'no-preamble'; fileMetaPresent: boolean }
  | { kind: 'no-dicm-magic' }
  | { kind: 'meta-missing-transfer-syntax' }
  | { kind: 'deflate-bomb'; limitBytes: number }
  | { kind: 'inflate-failed'; message: string }
  | { kind: 'header-too-large'; limitBytes: number }
  | { kind: 'element-past-eof'; tag: string | null; declaredLength: number; availableBytes: number }
  | { kind: 'eof-in-element-header'; afterTag: string | null }
  | { kind: 'unparseable'; message: string };

export interface ParsedDicom {
  /** Bytes the elements' offsets point into: the header, up to and without the Pixel Data value. */
  readonly bytes: Uint8Array;
  readonly transferSyntaxUID: string | null;
  readonly explicitVr: boolean;
  readonly littleEndian: boolean;
  readonly meta: DicomDataSet;
  readonly dataset: DicomDataSet;
}

export interface Inspection {
  readonly fileBytes: number;
  readonly parsed: ParsedDicom | null;
  readonly pixelData: PixelDataFacts | null;
  readonly issues: readonly ParseIssue[];
}
