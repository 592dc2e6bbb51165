import {
  lookupTag,
  Tag,
  TransferSyntax,
  UNDEFINED_LENGTH,
  type DicomDataSet,
  type DicomElement,
  type ElementReader,
  type Vr,
} from '@dsv/common';

/**
 * The DICOM JSON Model (PS3.18 Annex F.2): one data set as `{ "GGGGEEEE": { vr, Value | InlineBinary |
 * BulkDataURI } }`, keys in ascending tag order. Built from the header the descriptor parsed while the
 * file streamed in: nothing is read twice, and bulk values are referenced, never copied.
 */
export type DicomJsonDataset = { [tag: string]: DicomJsonAttribute };

export interface DicomJsonPersonName {
  Alphabetic?: string;
  Ideographic?: string;
  Phonetic?: string;
}

/** F.2.5: an empty value among several values is null. */
export type DicomJsonValue = string | number | DicomJsonPersonName | DicomJsonDataset | null;

export interface DicomJsonAttribute {
  vr: Vr;
  Value?: DicomJsonValue[];
  /** F.2.7: the value bytes, base64, little endian. */
  InlineBinary?: string;
  /** F.2.6: where the value bytes are. */
  BulkDataURI?: string;
}

export interface DicomJsonOptions {
  /** OB, OD, OF, OL, OV, OW and UN values longer than this become BulkDataURI references. */
  inlineBinaryMaxBytes: number;
  /** The BulkDataURI of an element whose value is not inlined. */
  bulkDataUri(element: DicomElement): string;
}

/** Values split on '\' (PS3.5 §6.4); ST, LT, UT and UR hold one value, backslashes included. */
const SINGLE_VALUED: ReadonlySet<Vr> = new Set(['ST', 'LT', 'UT', 'UR']);
/** PS3.5 §6.2: leading spaces are padding, not data, only for these VRs. */
const LEADING_SPACE_INSIGNIFICANT: ReadonlySet<Vr> = new Set(['AE', 'AS', 'CS', 'DA', 'DS', 'DT', 'IS', 'LO', 'SH', 'TM']);
const BINARY: ReadonlySet<Vr> = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN']);
/** Bytes per word of the binary VRs whose words a big endian file stores swapped (PS3.5 §7.3). */
const WORD_SIZE: Partial<Record<Vr, number>> = { OW: 2, OF: 4, OL: 4, OD: 8, OV: 8 };

const DS = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const IS = /^[+-]?\d+$/;

/** The data set of one instance, without its File Meta Information (group 0002), as DICOMweb answers it. */
export function toDicomJson(reader: ElementReader, options: DicomJsonOptions): DicomJsonDataset {
  return convertDataSet(reader.parsed.dataset, reader, options);
}

function convertDataSet(dataset: DicomDataSet, reader: ElementReader, options: DicomJsonOptions): DicomJsonDataset {
  const out: DicomJsonDataset = {};
  const tags = [...dataset.keys()].filter(isDataElement).sort();
  for (const tag of tags) {
    // The text is Unicode once decoded: its character set, wherever declared, is now UTF-8 (as dcm2json says).
    out[tag] =
      tag === Tag.SpecificCharacterSet && dataset.get(tag)!.length > 0
        ? { vr: 'CS', Value: ['ISO_IR 192'] }
        : convertElement(dataset.get(tag)!, dataset, reader, options);
  }
  return out;
}

/**
 * Not the File Meta Information (group 0002), which DICOMweb leaves out; not Group Lengths (gggg,0000),
 * which describe one encoding of the bytes and are retired (PS3.5 §7.2); not item delimiters (FFFE,xxxx),
 * which are not data elements (PS3.5 §7.5).
 */
function isDataElement(tag: string): boolean {
  return !tag.startsWith('0002') && !tag.endsWith('0000') && !tag.startsWith('FFFE');
}

function convertElement(
  element: DicomElement,
  dataset: DicomDataSet,
  reader: ElementReader,
  options: DicomJsonOptions,
): DicomJsonAttribute {
  const vr = resolveVr(element, dataset, reader);
  if (vr === 'SQ') {
    const items = element.items ?? [];
    return items.length === 0 ? { vr } : { vr, Value: items.map((item) => convertDataSet(item, reader.forItem(item), options)) };
  }
  if (element.length === 0) return { vr };
  if (BINARY.has(vr)) return convertBinary(element, vr, reader, options);
  const bytes = reader.bytes(element);
  if (bytes === null) return { vr, BulkDataURI: options.bulkDataUri(element) };
  const values = readValues(element, vr, bytes, reader);
  // A value of padding only is an empty attribute; among several values an empty one is null (F.2.5).
  return values.length === 0 || (values.length === 1 && values[0] === null) ? { vr } : { vr, Value: values };
}

/**
 * Implicit VR files leave some elements with a choice of VRs, which the dictionary answers with its first
 * (OW for 'OB or OW', as PS3.5 Annex A.1 says); 'US or SS' follows Pixel Representation (0028,0103), 1
 * meaning signed. An element with items is a sequence, whatever its VR says (UN of undefined length,
 * PS3.5 §6.2.2). A private element of an implicit VR file has no known VR: UN.
 */
function resolveVr(element: DicomElement, dataset: DicomDataSet, reader: ElementReader): Vr {
  if (element.items) return 'SQ';
  if (element.vr === undefined) return 'UN';
  if (!reader.parsed.explicitVr && element.vr === 'US' && lookupTag(element.tag)?.vrs.includes('SS')) {
    const representation = dataset.get(Tag.PixelRepresentation) ?? reader.parsed.dataset.get(Tag.PixelRepresentation);
    const bytes = reader.bytes(representation);
    if (
      bytes !== null &&
      bytes.length >= 2 &&
      new DataView(bytes.buffer, bytes.byteOffset, 2).getUint16(0, reader.littleEndian(representation!)) === 1
    )
      return 'SS';
  }
  return element.vr;
}

function convertBinary(element: DicomElement, vr: Vr, reader: ElementReader, options: DicomJsonOptions): DicomJsonAttribute {
  const bytes = element.length === UNDEFINED_LENGTH || element.length > options.inlineBinaryMaxBytes ? null : reader.bytes(element);
  if (bytes === null) return { vr, BulkDataURI: options.bulkDataUri(element) };
  const word = WORD_SIZE[vr];
  const littleEndian = reader.littleEndian(element) || word === undefined ? bytes : swapWords(bytes, word);
  return { vr, InlineBinary: Buffer.from(littleEndian.buffer, littleEndian.byteOffset, littleEndian.length).toString('base64') };
}

function readValues(element: DicomElement, vr: Vr, bytes: Uint8Array, reader: ElementReader): DicomJsonValue[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const le = reader.littleEndian(element);
  switch (vr) {
    case 'US':
      return readEach(bytes, 2, (o) => view.getUint16(o, le));
    case 'SS':
      return readEach(bytes, 2, (o) => view.getInt16(o, le));
    case 'UL':
      return readEach(bytes, 4, (o) => view.getUint32(o, le));
    case 'SL':
      return readEach(bytes, 4, (o) => view.getInt32(o, le));
    case 'FL':
      return readEach(bytes, 4, (o) => finiteOrNull(shortestFloat32(view.getFloat32(o, le))));
    case 'FD':
      return readEach(bytes, 8, (o) => finiteOrNull(view.getFloat64(o, le)));
    case 'SV':
      return readEach(bytes, 8, (o) => exactNumber(view.getBigInt64(o, le)));
    case 'UV':
      return readEach(bytes, 8, (o) => exactNumber(view.getBigUint64(o, le)));
    // PS3.18 §F.2.3: an attribute tag is written as its eight hex digits.
    case 'AT':
      return readEach(bytes, 4, (o) => hex4(view.getUint16(o, le)) + hex4(view.getUint16(o + 2, le)));
    default:
      return readText(element, vr, reader);
  }
}

function readText(element: DicomElement, vr: Vr, reader: ElementReader): DicomJsonValue[] {
  const text = reader.rawText(element) ?? '';
  const parts = SINGLE_VALUED.has(vr) ? [text] : text.split('\\');
  return parts.map((part) => {
    let value = part.replace(/[\0 ]+$/, '');
    if (LEADING_SPACE_INSIGNIFICANT.has(vr)) value = value.replace(/^ +/, '');
    if (value === '') return null;
    if (vr === 'PN') return personName(value);
    // PS3.18 §F.2.3: DS and IS are JSON numbers; a value that breaks their grammar stays the string it is.
    if (vr === 'DS' && DS.test(value)) return Number(value);
    if (vr === 'IS' && IS.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
    return value;
  });
}

/**
 * PS3.18 §F.2.2: a PN value as its component groups, each with its '^'-separated components. Trailing
 * empty components are dropped (PS3.5 §6.2.1.1 lets them be omitted), so '^^^^' is no name at all.
 */
function personName(value: string): DicomJsonPersonName | null {
  const [alphabetic, ideographic, phonetic] = value.split('=').map((group) => group.replace(/[\^ ]+$/, ''));
  const name: DicomJsonPersonName = {};
  if (alphabetic) name.Alphabetic = alphabetic;
  if (ideographic) name.Ideographic = ideographic;
  if (phonetic) name.Phonetic = phonetic;
  return Object.keys(name).length === 0 ? null : name;
}

function readEach<T>(bytes: Uint8Array, size: number, read: (offset: number) => T): T[] {
  const out: T[] = [];
  for (let offset = 0; offset + size <= bytes.length; offset += size) out.push(read(offset));
  return out;
}

/** The shortest decimal that reads back as the same 32-bit float: 9.7, not 9.6999998092651367. */
function shortestFloat32(value: number): number {
  if (!Number.isFinite(value)) return value;
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return candidate;
  }
  return Number(value.toPrecision(9));
}

/** JSON has no NaN or infinity: such a value is written as an empty one. */
function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

/** SV and UV: a JSON number while it is exact, else the decimal string (PS3.18 §F.2.3.1). */
function exactNumber(value: bigint): number | string {
  const number = Number(value);
  return Number.isSafeInteger(number) ? number : value.toString();
}

function swapWords(bytes: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let offset = 0; offset + size <= bytes.length; offset += size) {
    for (let index = 0; index < size; index++) out[offset + index] = bytes[offset + size - 1 - index]!;
  }
  return out;
}

function hex4(value: number): string {
  return value.toString(16).toUpperCase().padStart(4, '0');
}

/** Binary values up to this size are inlined; longer ones, and Pixel Data always, are referenced. */
export const INLINE_BINARY_MAX_BYTES = 1024;

/**
 * The DICOM JSON of one stored instance. A BulkDataURI is relative to the study folder: the stored
 * original, with the byte range of the value in it, `original.dcm?offset=1234&length=524288` (no length
 * for a value of undefined length, encapsulated Pixel Data: it runs to its Sequence Delimitation Item). In
 * a deflated file the offsets would be those of the inflated data set, so the URI names the file alone.
 */
export function instanceDicomJson(reader: ElementReader, originalPath: string): DicomJsonDataset {
  const deflated = reader.parsed.transferSyntaxUID === TransferSyntax.DeflatedExplicitVRLittleEndian.uid;
  return toDicomJson(reader, {
    inlineBinaryMaxBytes: INLINE_BINARY_MAX_BYTES,
    bulkDataUri: (element) => {
      if (deflated) return originalPath;
      const length = element.length === UNDEFINED_LENGTH ? '' : `&length=${element.length}`;
      return `${originalPath}?offset=${element.offset}${length}`;
    },
  });
}
