import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { UNDEFINED_LENGTH, type DicomDataSet, type Inspection } from '@dsv/common';
import { corpusAvailable, corpusDir, entryFiles, loadManifest } from '../../../test/support/corpus.ts';
import { inspectBytes } from '../support/inspect.ts';

/** PS3.5 §7.1.2: these VRs have a 2-byte reserved field and a 32-bit length in explicit VR. */
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT', 'SV', 'UV']);
/** Above this, a file is mutated less often: copying and streaming it costs more per case. */
const LARGE_BYTES = 200 * 1024;
const MAX_SOURCE_BYTES = 1024 * 1024;

/** Where one element of a source file sits, as its undamaged inspection says. */
export interface ElementSpan {
  tag: string;
  /** Start of the element header (tag). */
  start: number;
  /** Start of the value. */
  valueOffset: number;
  /** Declared length (UNDEFINED_LENGTH for an undefined one). */
  length: number;
  /** Offset and size (2 or 4) of the length field, and its byte order. */
  lengthField: { offset: number; size: 2 | 4; littleEndian: boolean };
  /** Offset of the two VR characters, for an explicit VR element. */
  vrOffset: number | null;
  /** 0 for an element of the top-level data set (or the meta), 1 inside an item, … */
  depth: number;
}

export interface SourceFile {
  /** Corpus-relative path. */
  name: string;
  bytes: Buffer;
  large: boolean;
  inspection: Inspection;
  /** Elements whose headers lie in the file bytes (the meta only, for a deflated file), in file order. */
  spans: ElementSpan[];
  /** Where the Pixel Data value starts, if the file has one; else the file length. */
  headerEnd: number;
  /** Where the part of the file the inspector reads ends: after the Pixel Data value (or its delimiter), else the file length. */
  dataEnd: number;
  encapsulated: boolean;
}

/**
 * The corpus files the fuzzer mutates: every single file up to 1 MiB and the first file of each study
 * folder, valid and invalid alike (a damaged file damaged again is a fine input).
 */
export function loadSources(): SourceFile[] {
  if (!corpusAvailable) return [];
  const files = new Set<string>();
  for (const entry of loadManifest()) {
    const all = entryFiles(entry).filter((file) => statSync(file).size <= MAX_SOURCE_BYTES);
    for (const file of all.slice(0, 2)) files.add(file);
  }
  return [...files].sort().map((file) => describeSource(path.relative(corpusDir, file), readFileSync(file)));
}

function describeSource(name: string, bytes: Buffer): SourceFile {
  const inspection = inspectBytes(bytes);
  const parsed = inspection.parsed;
  const spans: ElementSpan[] = [];
  // Offsets of a deflated data set point into the inflated copy, not the file: keep the meta group only.
  const inFile =
    parsed !== null && parsed.bytes.length <= bytes.length && Buffer.from(parsed.bytes).equals(bytes.subarray(0, parsed.bytes.length));
  if (parsed) {
    collectSpans(bytes, parsed.meta, true, spans);
    if (inFile) collectSpans(bytes, parsed.dataset, parsed.littleEndian, spans, parsed.explicitVr);
  }
  spans.sort((a, b) => a.start - b.start);
  const pixels = inspection.pixelData;
  const headerEnd = pixels && inFile ? pixels.offset : bytes.length;
  const encapsulated = pixels?.encapsulated != null;
  let dataEnd = bytes.length;
  if (pixels && inFile) dataEnd = encapsulated ? endOfItems(bytes, headerEnd) : Math.min(bytes.length, headerEnd + pixels.declaredLength);
  return { name, bytes, large: bytes.length > LARGE_BYTES, inspection, spans, headerEnd, dataEnd, encapsulated };
}

/** The item headers of encapsulated Pixel Data (PS3.5 §A.4), walked from the value's start, up to the last one read. */
export function itemHeaderOffsets(bytes: Buffer, valueOffset: number): number[] {
  const offsets: number[] = [];
  let position = valueOffset;
  while (position + 8 <= bytes.length && offsets.length < 10_000) {
    offsets.push(position);
    if (bytes.readUInt16LE(position) !== 0xfffe || bytes.readUInt16LE(position + 2) !== 0xe000) break;
    position += 8 + bytes.readUInt32LE(position + 4);
  }
  return offsets;
}

function endOfItems(bytes: Buffer, valueOffset: number): number {
  const last = itemHeaderOffsets(bytes, valueOffset).at(-1);
  return last === undefined ? bytes.length : Math.min(bytes.length, last + 8);
}

function collectSpans(bytes: Buffer, dataset: DicomDataSet, littleEndian: boolean, out: ElementSpan[], explicitVr = true, depth = 0): void {
  for (const element of dataset.values()) {
    const span = spanOf(bytes, element.tag, element.offset, element.length, littleEndian, explicitVr);
    if (span) out.push({ ...span, depth });
    for (const item of element.items ?? []) collectSpans(bytes, item, littleEndian, out, explicitVr, depth + 1);
  }
}

/** The header layout of PS3.5 §7.1.2 (explicit) or §7.1.3 (implicit), checked against the tag in the bytes. */
function spanOf(
  bytes: Buffer,
  tag: string,
  valueOffset: number,
  length: number,
  littleEndian: boolean,
  explicitVr: boolean,
): Omit<ElementSpan, 'depth'> | null {
  const candidates: { start: number; size: 2 | 4; vrOffset: number | null }[] = explicitVr
    ? [
        { start: valueOffset - 12, size: 4, vrOffset: valueOffset - 8 },
        { start: valueOffset - 8, size: 2, vrOffset: valueOffset - 4 },
      ]
    : [{ start: valueOffset - 8, size: 4, vrOffset: null }];
  for (const candidate of candidates) {
    if (candidate.start < 0 || !tagAt(bytes, candidate.start, littleEndian, tag)) continue;
    if (candidate.vrOffset !== null) {
      const vr = bytes.toString('latin1', candidate.vrOffset, candidate.vrOffset + 2);
      if (LONG_VRS.has(vr) !== (candidate.size === 4)) continue;
    }
    return {
      tag,
      start: candidate.start,
      valueOffset,
      length,
      lengthField: { offset: valueOffset - candidate.size, size: candidate.size, littleEndian },
      vrOffset: candidate.vrOffset,
    };
  }
  return null;
}

function tagAt(bytes: Buffer, offset: number, littleEndian: boolean, tag: string): boolean {
  if (offset + 4 > bytes.length) return false;
  const group = littleEndian ? bytes.readUInt16LE(offset) : bytes.readUInt16BE(offset);
  const element = littleEndian ? bytes.readUInt16LE(offset + 2) : bytes.readUInt16BE(offset + 2);
  return (group * 0x10000 + element).toString(16).toUpperCase().padStart(8, '0') === tag;
}

/**
 * True when a file cut at `cut` ends between two top-level elements: the rest could have been optional
 * attributes, so the cut may go unnoticed. Anywhere else (inside an element, or inside an item of a
 * sequence) the file is visibly cut short and must not be valid.
 */
export function isCleanCut(source: SourceFile, cut: number): boolean {
  return source.spans.some(
    (span) => span.depth === 0 && (span.start === cut || (span.length !== UNDEFINED_LENGTH && span.valueOffset + span.length === cut)),
  );
}

/**
 * Every offset at which a cut ends the file on an element boundary (before its tag, between its header
 * and its value, after its value), one byte into its tag, in the middle of its header, of its value, and
 * one byte before its end.
 */
export function elementBoundaries(source: SourceFile): number[] {
  const cuts = new Set<number>();
  for (const span of source.spans) {
    const headerBytes = span.valueOffset - span.start;
    for (const cut of [span.start, span.start + 1, span.start + headerBytes / 2, span.valueOffset]) cuts.add(cut);
    if (span.length !== UNDEFINED_LENGTH) {
      const end = span.valueOffset + span.length;
      for (const cut of [span.valueOffset + Math.floor(span.length / 2), end - 1, end]) cuts.add(cut);
    }
  }
  return [...cuts].filter((cut) => cut > 0 && cut < source.bytes.length).sort((a, b) => a - b);
}
