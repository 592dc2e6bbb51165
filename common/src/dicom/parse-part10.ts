/**
 * The only module that imports dicom-parser. It checks the preamble and 'DICM' first, stops before the
 * Pixel Data value, turns every kind of value the library throws (strings, {exception, dataSet}, Errors,
 * zlib errors) into ParseIssue facts, and returns plain objects keyed by our tag format.
 */
import { inflateRawSync } from 'node:zlib';
import dicomParser from 'dicom-parser';
import { isVr, lookupTag, type Vr } from './dictionary.ts';
import { canonicalVr } from './vrs.ts';
import { UNDEFINED_LENGTH, type DicomDataSet, type DicomElement, type DicomItem, type ParseIssue, type ParsedDicom } from './model.ts';
import { lookupTransferSyntax, TransferSyntax } from './transfer-syntax.ts';

const PREAMBLE_BYTES = 128;
/** Most deflated data sets inflate to less than this; past it, output chunks are larger than glibc's largest mmap threshold (32 MiB). */
const SMALL_INFLATE_BYTES = 1024 * 1024;
const LARGE_INFLATE_CHUNK_BYTES = 64 * 1024 * 1024;
const MAGIC = 'DICM';
const PIXEL_DATA = 'x7fe00010';
/** An Explicit VR Big Endian element header from its VR on: 'UN', two reserved bytes, undefined length. */
const UN_OF_UNDEFINED_LENGTH = Uint8Array.from([0x55, 0x4e, 0, 0, 0xff, 0xff, 0xff, 0xff]);
const SEQUENCE_DELIMITER_BYTES = 8;
/**
 * dicom-parser reads the bytes an inflater returns from byte 0, preamble and 'DICM' included, as if they
 * were elements: whatever the preamble holds could swallow the file meta. In the inflated copy they are
 * masked as one element, (0000,0000) OB of 120 bytes, dropped again in toParsed like anything before the
 * data set.
 */
const PREAMBLE_MASK = Uint8Array.from([0, 0, 0, 0, 0x4f, 0x42, 0, 0, 120, 0, 0, 0, ...new Array<number>(120).fill(0)]);

/**
 * dicom-parser recurses once per level of sequence nesting (and so does anything that walks the data set),
 * so a few thousand levels overflow the stack: where exactly depends on how deep the stack already is and on
 * what the JIT has compiled, and the same file was refused on one call and read on the next. Past this depth,
 * far beyond any real data set and far below any stack's limit, a file is refused whatever the stack says.
 */
const MAX_SEQUENCE_DEPTH = 128;
function tooDeep(): ParseAttempt {
  return {
    status: 'failed',
    issues: [{ kind: 'unparseable', message: `sequences are nested more than ${MAX_SEQUENCE_DEPTH} levels deep` }],
    parsed: null,
  };
}

export interface ParseOptions {
  /** A deflated data set may not inflate to more than this (deflate bombs). */
  maxInflatedBytes: number;
}

export interface PixelElementHeader {
  vr: Vr | undefined;
  offset: number;
  length: number;
}

export type ParseAttempt =
  | { status: 'parsed'; parsed: ParsedDicom; pixelElement: PixelElementHeader | null }
  | { status: 'incomplete' }
  | { status: 'failed'; issues: ParseIssue[]; parsed: ParsedDicom | null };

interface LibElement {
  tag: string;
  vr?: string;
  length: number;
  dataOffset: number;
  hadUndefinedLength?: boolean;
  items?: { dataSet?: LibDataSet }[];
}
interface LibDataSet {
  byteArray: Uint8Array;
  /** dicom-parser's reader of the data set's binary values: which byte order it was read in. */
  byteArrayParser?: unknown;
  elements: Record<string, LibElement>;
  warnings?: string[];
}

/**
 * Parses the bytes received so far. `final` says the file ends here; before that, running out of bytes
 * answers 'incomplete' so the caller can wait for more.
 */
export function parsePart10(bytes: Uint8Array, final: boolean, options: ParseOptions): ParseAttempt {
  if (bytes.length < PREAMBLE_BYTES + MAGIC.length) {
    if (!final) return { status: 'incomplete' };
    return { status: 'failed', issues: classifyWithoutMagic(bytes), parsed: null };
  }
  if (!hasMagic(bytes)) return { status: 'failed', issues: classifyWithoutMagic(bytes), parsed: null };

  let inflateError: unknown;
  const inflater = (byteArray: Uint8Array, position: number): Uint8Array => {
    try {
      const inflated = inflateWithin(byteArray.subarray(position), options.maxInflatedBytes);
      const full = new Uint8Array(position + inflated.length);
      full.set(byteArray.subarray(0, position), 0);
      full.set(PREAMBLE_MASK, 0);
      full.set(inflated, position);
      return full;
    } catch (error) {
      inflateError = error;
      throw error;
    }
  };

  let library: LibDataSet;
  try {
    library = parseWithLibrary(bytes, { untilTag: PIXEL_DATA, inflater, vrCallback: dictionaryVr });
  } catch (thrown) {
    if (inflateError !== undefined) return inflateFailure(inflateError, final, options);
    const message = thrownMessage(thrown);
    const partial = (thrown as { dataSet?: LibDataSet } | null)?.dataSet;
    if (/maximum call stack/i.test(message) || (partial && nestedTooDeep(partial.elements))) return tooDeep();
    if (message.includes('0002,0010')) return { status: 'failed', issues: [{ kind: 'meta-missing-transfer-syntax' }], parsed: null };
    if (!final) return { status: 'incomplete' };
    const parsed = partial ? toParsed(partial) : null;
    const overrun = partial ? findOverrun(partial.elements, partial.byteArray.length) : null;
    const issue: ParseIssue =
      overrun ??
      (/past end|overrun|overread|eof/i.test(message)
        ? { kind: 'eof-in-element-header', afterTag: parsed ? lastTag(parsed.dataset) : null }
        : { kind: 'unparseable', message });
    return { status: 'failed', issues: [issue], parsed };
  }

  const parsed = toParsed(library);
  if (parsed === null) return tooDeep();
  const pixel = library.elements[PIXEL_DATA];
  if (pixel) {
    return {
      status: 'parsed',
      parsed,
      pixelElement: { vr: parsed.dataset.get('7FE00010')?.vr, offset: pixel.dataOffset, length: pixel.length },
    };
  }
  if (!final) return { status: 'incomplete' };
  // dicom-parser does not notice an implicit VR element that runs past the end: look for it here.
  const overrun = findOverrun(library.elements, library.byteArray.length);
  if (overrun) return { status: 'failed', issues: [overrun], parsed };
  // A sequence or item of undefined length that the file ends in, before its delimiter (PS3.5 §7.5.2),
  // is only a warning to dicom-parser: the file is cut short all the same.
  // So is an element of undefined length that is not read as a sequence (PS3.5 §7.1.1 allows that for SQ, UN
  // and encapsulated Pixel Data only): without its delimiter, dicom-parser silently reads it to the end.
  if (library.warnings?.some((warning) => warning.startsWith('eof encountered')) || findUndelimited(library.elements, library.byteArray)) {
    return { status: 'failed', issues: [{ kind: 'eof-in-element-header', afterTag: lastTag(parsed.dataset) }], parsed };
  }
  return { status: 'parsed', parsed, pixelElement: null };
}

interface LibOptions {
  untilTag: string;
  inflater: (byteArray: Uint8Array, position: number) => Uint8Array;
  vrCallback: (libTag: string) => string | undefined;
}

/**
 * dicom-parser's data set. A file it refuses is tried once more if it is big endian with UN sequences of
 * undefined length (readBigEndianUnSequences): they always make it throw, and looking for them in every
 * file would cost a search of all its bytes.
 */
function parseWithLibrary(bytes: Uint8Array, options: LibOptions): LibDataSet {
  try {
    return dicomParser.parseDicom(bytes, options as never) as unknown as LibDataSet;
  } catch (thrown) {
    const unSequences = readBigEndianUnSequences(bytes);
    if (!unSequences) throw thrown;
    try {
      const library = dicomParser.parseDicom(unSequences.patched, options as never) as unknown as LibDataSet;
      restoreUnSequences(library, bytes, unSequences.found);
      return library;
    } catch (again) {
      const partial = (again as { dataSet?: LibDataSet } | null)?.dataSet;
      if (partial) restoreUnSequences(partial, bytes, unSequences.found);
      throw again;
    }
  }
}

/**
 * PS3.5 §6.2.2 (CP-246): a UN value of undefined length is a sequence whose items are encoded in Implicit VR
 * Little Endian, whatever the transfer syntax. dicom-parser reads those items with the data set's own byte
 * stream, byte-swapped in Explicit VR Big Endian, and fails. Here each such value is read with a
 * little-endian stream, and dicom-parser gets a copy of the bytes in which that element's length is defined
 * (its items and Sequence Delimitation Item), so it steps over the value; restoreUnSequences puts the items
 * back. The headers are found by their bytes: one found inside some other value is changed in the copy
 * only, where dicom-parser never reads it as a header, and no element of the result has its offset.
 */
function readBigEndianUnSequences(bytes: Uint8Array): { patched: Uint8Array; found: Map<number, UnSequence> } | null {
  // The file meta first: the search of the data set's bytes is for big-endian files only.
  let datasetStart: number;
  try {
    const meta = dicomParser.readPart10Header(bytes) as unknown as { position: number; string(tag: string): string | undefined };
    if (meta.string('x00020010') !== TransferSyntax.ExplicitVRBigEndian.uid) return null;
    datasetStart = meta.position;
  } catch {
    return null;
  }
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  let at = buffer.indexOf(UN_OF_UNDEFINED_LENGTH, datasetStart);
  if (at < 0) return null;
  let patched: Buffer | null = null;
  const found = new Map<number, UnSequence>();
  for (; at >= 0; at = buffer.indexOf(UN_OF_UNDEFINED_LENGTH, at + 1)) {
    // The VR follows a 4-byte tag that must be in the data set.
    if (at - 4 < datasetStart) continue;
    const valueStart = at + UN_OF_UNDEFINED_LENGTH.length;
    const sequence = readImplicitSequence(bytes, valueStart);
    if (!sequence) continue;
    patched ??= Buffer.from(buffer);
    patched.writeUInt32BE(sequence.length + SEQUENCE_DELIMITER_BYTES, at + 4);
    found.set(valueStart, sequence);
    at = valueStart + sequence.length + SEQUENCE_DELIMITER_BYTES - 1;
  }
  return patched ? { patched, found } : null;
}

interface UnSequence {
  /** Of the items, without the Sequence Delimitation Item, as dicom-parser counts it. */
  length: number;
  items: NonNullable<LibElement['items']>;
}

/** The items of an undefined-length value read as Implicit VR Little Endian, or null unless a delimiter ends them within `bytes`. */
function readImplicitSequence(bytes: Uint8Array, valueStart: number): UnSequence | null {
  const element = { length: UNDEFINED_LENGTH, dataOffset: valueStart, items: [] as UnSequence['items'] };
  const stream = new dicomParser.ByteStream(dicomParser.littleEndianByteArrayParser, bytes, valueStart);
  try {
    // The typings say a VR callback answers a string; dicom-parser asks for undefined when the dictionary does not know the tag.
    dicomParser.readSequenceItemsImplicit(stream, element as never, dictionaryVr as (tag: string) => string);
  } catch {
    return null;
  }
  // The file (or the bytes received so far) ended before the Sequence Delimitation Item: left to dicom-parser.
  return stream.warnings.length === 0 ? { length: element.length, items: element.items } : null;
}

/**
 * Gives back the original bytes and, to each UN element read from the patched copy, its items and undefined
 * length. Breadth first, without recursion, as nestedTooDeep: it runs before the depth is checked.
 */
function restoreUnSequences(library: LibDataSet, bytes: Uint8Array, found: ReadonlyMap<number, UnSequence>): void {
  library.byteArray = bytes;
  let level: Record<string, LibElement>[] = [library.elements];
  while (level.length > 0) {
    const next: Record<string, LibElement>[] = [];
    for (const elements of level) {
      for (const element of Object.values(elements)) {
        const read = element.vr === 'UN' ? found.get(element.dataOffset) : undefined;
        if (read) Object.assign(element, { length: read.length, hadUndefinedLength: true, items: read.items });
        for (const item of element.items ?? []) if (item.dataSet) next.push(item.dataSet.elements);
      }
    }
    level = next;
  }
}

function hasMagic(bytes: Uint8Array): boolean {
  return String.fromCharCode(...bytes.subarray(PREAMBLE_BYTES, PREAMBLE_BYTES + MAGIC.length)) === MAGIC;
}

/** Without 'DICM' at 128: a raw data set (no preamble), a preamble with a wrong magic, or not DICOM at all. */
function classifyWithoutMagic(bytes: Uint8Array): ParseIssue[] {
  if (bytes.length === 0) return [{ kind: 'empty-file' }, { kind: 'not-dicom' }];
  const atStart = elementGroupAt(bytes, 0) ?? explicitElementNearStart(bytes);
  if (atStart === 0x0002) return [{ kind: 'no-preamble', fileMetaPresent: true }, { kind: 'no-dicm-magic' }];
  if (atStart !== null) return [{ kind: 'no-preamble', fileMetaPresent: false }, { kind: 'no-dicm-magic' }];
  if (elementGroupAt(bytes, PREAMBLE_BYTES + MAGIC.length) === 0x0002) return [{ kind: 'no-dicm-magic' }];
  return [{ kind: 'not-dicom' }];
}

/**
 * The group of a plausible data element header at `offset` (little endian, explicit or implicit VR),
 * or null. Plausible: an even group below the pixel data group, and a known VR or a length that fits.
 */
function elementGroupAt(bytes: Uint8Array, offset: number): number | null {
  if (bytes.length < offset + 8) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, 8);
  const group = view.getUint16(0, true);
  if (group % 2 !== 0 || group === 0 || group > 0x7fe0) return null;
  const vr = String.fromCharCode(bytes[offset + 4]!, bytes[offset + 5]!);
  if (isVr(vr)) return group;
  const implicitLength = view.getUint32(4, true);
  return implicitLength <= bytes.length - offset - 8 ? group : null;
}

/**
 * Some raw data sets in the wild start a byte or two late (pydicom's no_meta.dcm has one stray byte):
 * an explicit VR element header of group 0002 or 0008 within the first 8 bytes still says "data set".
 */
function explicitElementNearStart(bytes: Uint8Array): number | null {
  for (let offset = 1; offset < 8; offset++) {
    const group = bytes.length >= offset + 6 ? bytes[offset]! | (bytes[offset + 1]! << 8) : -1;
    const vr = bytes.length >= offset + 6 ? String.fromCharCode(bytes[offset + 4]!, bytes[offset + 5]!) : '';
    if ((group === 0x0002 || group === 0x0008) && isVr(vr)) return group;
  }
  return null;
}

/**
 * Inflates at most `limit` bytes. A small data set in zlib's 16 KiB chunks; a large one, or a bomb (which
 * inflates up to the limit before it is refused), in 64 MiB chunks: those are mapped apart from the malloc
 * heap and go back to the system when freed, where hundreds of MB of small chunks fragment the heap and the
 * process kept them after the bomb.
 */
function inflateWithin(deflated: Uint8Array, limit: number): Buffer {
  const small = Math.min(limit, SMALL_INFLATE_BYTES);
  try {
    return inflateRawSync(deflated, { maxOutputLength: small });
  } catch (error) {
    if (small === limit || (error as { code?: string }).code !== 'ERR_BUFFER_TOO_LARGE') throw error;
  }
  return inflateRawSync(deflated, { maxOutputLength: limit, chunkSize: LARGE_INFLATE_CHUNK_BYTES });
}

function inflateFailure(error: unknown, final: boolean, options: ParseOptions): ParseAttempt {
  if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
    return { status: 'failed', issues: [{ kind: 'deflate-bomb', limitBytes: options.maxInflatedBytes }], parsed: null };
  }
  if (!final) return { status: 'incomplete' };
  return { status: 'failed', issues: [{ kind: 'inflate-failed', message: thrownMessage(error) }], parsed: null };
}

function thrownMessage(thrown: unknown): string {
  if (typeof thrown === 'string') return thrown;
  if (thrown instanceof Error) return thrown.message;
  const inner = (thrown as { exception?: unknown } | null)?.exception;
  if (inner !== undefined) return thrownMessage(inner);
  return String(thrown);
}

function dictionaryVr(libTag: string): string | undefined {
  return lookupTag(toTag(libTag))?.vrs[0];
}

/** dicom-parser's 'x0020000d' -> the dictionary's own '0020000D', for the tags the dictionary knows. */
const DICTIONARY_TAGS = new Map<string, string>();

/**
 * '0020000D' of 'x0020000d'. A tag the dictionary knows is answered with the dictionary's string, made once
 * per process: the elements' tags are then the very strings the checks look them up by (Tag.X), compared
 * and hashed without reading their characters. The Map holds at most the dictionary's tags.
 */
function toTag(libTag: string): string {
  const known = DICTIONARY_TAGS.get(libTag);
  if (known !== undefined) return known;
  const tag = libTag.slice(1).toUpperCase();
  const entry = lookupTag(tag);
  // A group length the dictionary does not list is made up per call (dictionary.ts, groupLength): not kept.
  if (entry === undefined || entry.keyword === 'GroupLength') return tag;
  DICTIONARY_TAGS.set(libTag, entry.tag);
  return entry.tag;
}

/** Null when sequences are nested deeper than MAX_SEQUENCE_DEPTH (as nestedTooDeep says, found on the way). */
function toParsed(library: LibDataSet): ParsedDicom | null {
  const transferSyntaxUID = readMetaUid(library, 'x00020010');
  const info = transferSyntaxUID ? lookupTransferSyntax(transferSyntaxUID) : undefined;
  const littleEndian = info?.littleEndian ?? true;
  const meta = new Map<string, DicomElement>();
  const dataset = new Map<string, DicomElement>();
  if (info?.deflated) {
    const all = toDataSet(library.elements, littleEndian);
    if (all === null) return null;
    // dicom-parser reads an inflated data set from byte 0 (see PREAMBLE_MASK) and the file meta again: in a
    // deflated file nothing before the end of the file meta belongs to the data set.
    const datasetStart = metaEnd(all);
    for (const [tag, element] of all) {
      if (tag.startsWith('0002')) meta.set(tag, element);
      else if (element.offset >= datasetStart) dataset.set(tag, element);
    }
  } else if (toDataSet(library.elements, littleEndian, littleEndian, 0, dataset, meta) === null) {
    // Elsewhere the file meta and the data set are told apart by group alone, as the elements are made.
    return null;
  }
  return {
    bytes: library.byteArray,
    transferSyntaxUID,
    explicitVr: info?.explicitVr ?? transferSyntaxUID !== TransferSyntax.ImplicitVRLittleEndian.uid,
    littleEndian,
    meta,
    dataset,
  };
}

function metaEnd(elements: ReadonlyMap<string, DicomElement>): number {
  let end = 0;
  for (const [tag, element] of elements) if (tag.startsWith('0002')) end = Math.max(end, element.offset + element.length);
  return end;
}

function readMetaUid(library: LibDataSet, libTag: string): string | null {
  const element = library.elements[libTag];
  if (!element || element.dataOffset + element.length > library.byteArray.length) return null;
  const raw = Buffer.from(library.byteArray.buffer, library.byteArray.byteOffset + element.dataOffset, element.length).toString('latin1');
  return raw.replace(/[\0 ]+$/, '') || null;
}

/**
 * Our elements of dicom-parser's. `fileLittleEndian`: the data set's byte order; an item read in the other
 * order (the Implicit VR Little Endian items of a UN element in a big-endian file) marks its elements. Null
 * when an item's data set lies deeper than MAX_SEQUENCE_DEPTH: the depth is checked on this one walk, which
 * stops there, so it cannot recurse further than that. With `meta`, the top level's file meta elements go
 * there and the others to `out`.
 */
function toDataSet(
  elements: Record<string, LibElement>,
  fileLittleEndian: boolean,
  ownLittleEndian = fileLittleEndian,
  depth = 0,
  out = new Map<string, DicomElement>(),
  meta?: Map<string, DicomElement>,
): Map<string, DicomElement> | null {
  const marked = ownLittleEndian !== fileLittleEndian;
  for (const element of Object.values(elements)) {
    const tag = toTag(element.tag);
    const read = element.vr === undefined ? undefined : canonicalVr(element.vr);
    const explicit = read !== undefined;
    const vr = explicit ? read : lookupTag(tag)?.vrs[0];
    let items: DicomItem[] | undefined;
    if (element.items) {
      items = [];
      for (const item of element.items) {
        if (item.dataSet && depth >= MAX_SEQUENCE_DEPTH) return null;
        const converted = toDataSet(
          item.dataSet?.elements ?? {},
          fileLittleEndian,
          itemLittleEndian(item.dataSet, ownLittleEndian),
          depth + 1,
        );
        if (converted === null) return null;
        items.push(converted);
      }
    }
    const fields = {
      tag,
      vr: items && vr === undefined ? ('SQ' as const) : vr,
      vrSource: explicit ? ('explicit' as const) : vr ? ('dictionary' as const) : ('unknown' as const),
      offset: element.dataOffset,
      length: element.hadUndefinedLength ? UNDEFINED_LENGTH : element.length,
    };
    // Written out rather than spread: the same keys in the same order, without copying objects per element.
    const converted: { -readonly [K in keyof DicomElement]: DicomElement[K] } = marked
      ? { littleEndian: ownLittleEndian, ...fields }
      : fields;
    if (items) converted.items = items;
    (meta !== undefined && tag.startsWith('0002') ? meta : out).set(tag, converted);
  }
  return out;
}

/** The byte order an item was read in: its own reader's, else its parent's. */
function itemLittleEndian(item: LibDataSet | undefined, parent: boolean): boolean {
  if (item?.byteArrayParser === dicomParser.littleEndianByteArrayParser) return true;
  if (item?.byteArrayParser === dicomParser.bigEndianByteArrayParser) return false;
  return parent;
}

function findOverrun(elements: Record<string, LibElement>, size: number): ParseIssue | null {
  for (const element of Object.values(elements)) {
    if (!element.hadUndefinedLength && element.dataOffset + element.length > size) {
      return {
        kind: 'element-past-eof',
        tag: toTag(element.tag),
        declaredLength: element.length,
        availableBytes: Math.max(0, size - element.dataOffset),
      };
    }
    for (const item of element.items ?? []) {
      const nested = item.dataSet ? findOverrun(item.dataSet.elements, size) : null;
      if (nested) return nested;
    }
  }
  return null;
}

/** Walks the items breadth first, without recursion: the data set may be nested thousands deep. */
function nestedTooDeep(elements: Record<string, LibElement>): boolean {
  let level: Record<string, LibElement>[] = [elements];
  for (let depth = 0; level.length > 0; depth++) {
    if (depth > MAX_SEQUENCE_DEPTH) return true;
    const next: Record<string, LibElement>[] = [];
    for (const dataSet of level) {
      for (const element of Object.values(dataSet))
        for (const item of element.items ?? []) if (item.dataSet) next.push(item.dataSet.elements);
    }
    level = next;
  }
  return false;
}

/** An element of undefined length, not read as a sequence, whose value dicom-parser took to the end of the file: no delimiter ends it. */
function findUndelimited(elements: Record<string, LibElement>, bytes: Uint8Array): boolean {
  for (const element of Object.values(elements)) {
    const end = element.dataOffset + element.length;
    if (element.hadUndefinedLength && !element.items && end >= bytes.length && !endsWithDelimiter(bytes, end)) return true;
    for (const item of element.items ?? []) if (item.dataSet && findUndelimited(item.dataSet.elements, bytes)) return true;
  }
  return false;
}

/** The 8 bytes before `end` are a Sequence or Item Delimitation Item (FFFE,E0DD / FFFE,E00D), either byte order. */
function endsWithDelimiter(bytes: Uint8Array, end: number): boolean {
  if (end < 8 || end > bytes.length) return false;
  const tag = Buffer.from(bytes.buffer, bytes.byteOffset + end - 8, 4).toString('hex');
  return tag === 'feffdde0' || tag === 'feff0de0' || tag === 'fffee0dd' || tag === 'fffee00d';
}

function lastTag(dataset: DicomDataSet): string | null {
  let last: string | null = null;
  for (const tag of dataset.keys()) if (last === null || tag > last) last = tag;
  return last;
}
