import { UNDEFINED_LENGTH, type DicomElement, type ElementReader, type TagKeyword } from '@dsv/common';

/** VRs whose repertoire is the default one (PS3.5 §6.1.2.5.3, Table 6.2-1): no character set to apply. */
const NUL = 0x00;
const SPACE = 0x20;
const DEFAULT_REPERTOIRE: ReadonlySet<string> = new Set(['AE', 'AS', 'CS', 'DA', 'DS', 'DT', 'IS', 'TM', 'UI']);

/** The text values of an element, trimmed; the callers keep them per data set (evaluate-condition.ts, placeTexts). */
export function readTexts(
  reader: ElementReader,
  element: DicomElement,
  keyword: string,
  dataset: ReadonlyMap<string, DicomElement>,
): string[] {
  return element.vr !== undefined && DEFAULT_REPERTOIRE.has(element.vr)
    ? defaultRepertoire(reader, element)
    : reader.texts(keyword as TagKeyword, dataset);
}

/** As ElementReader.texts, without character set decoding: padding removed, split on backslash, each value trimmed. */
function defaultRepertoire(reader: ElementReader, element: DicomElement): string[] {
  // Read in place, as ElementReader.bytes bounds it, without cutting the value out.
  const bytes = reader.parsed.bytes;
  if (element.length === UNDEFINED_LENGTH || element.offset + element.length > bytes.length) return [];
  let end = element.offset + element.length;
  while (end > element.offset && (bytes[end - 1] === NUL || bytes[end - 1] === SPACE)) end--;
  let start = element.offset;
  while (start < end && bytes[start] === SPACE) start++;
  if (start === end) return [];
  const text = (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)).toString('latin1', start, end);
  return text.includes('\\') ? text.split('\\').map((value) => value.trim()) : [text.trim()];
}

/** Fixed-size binary VRs (PS3.5 Table 6.2-1): bytes per value, and how to read one. */
const BINARY: Readonly<Record<string, readonly [size: number, read: (view: DataView, offset: number, le: boolean) => number]>> = {
  US: [2, (view, offset, le) => view.getUint16(offset, le)],
  SS: [2, (view, offset, le) => view.getInt16(offset, le)],
  UL: [4, (view, offset, le) => view.getUint32(offset, le)],
  SL: [4, (view, offset, le) => view.getInt32(offset, le)],
  FL: [4, (view, offset, le) => view.getFloat32(offset, le)],
  FD: [8, (view, offset, le) => view.getFloat64(offset, le)],
};
const VIEWS = new WeakMap<Uint8Array, DataView>();

/** The VR's values are binary numbers (US, SS, UL, SL, FL, FD). */
export function isBinaryNumber(vr: string | undefined): boolean {
  return vr !== undefined && BINARY[vr] !== undefined;
}

/**
 * As ElementReader.numbers, binary values read in place through one DataView of the header (per-frame
 * functional group items make this thousands of reads per file); DS and IS through ElementReader.
 */
export function readNumbers(
  reader: ElementReader,
  element: DicomElement,
  keyword: string,
  dataset: ReadonlyMap<string, DicomElement>,
): number[] {
  const binary = element.vr === undefined ? undefined : BINARY[element.vr];
  if (binary === undefined) return reader.numbers(keyword as TagKeyword, dataset);
  const bytes = reader.parsed.bytes;
  if (element.length === UNDEFINED_LENGTH || element.offset + element.length > bytes.length) return [];
  let view = VIEWS.get(bytes);
  if (view === undefined) VIEWS.set(bytes, (view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length)));
  const le = reader.littleEndian(element);
  const [size, read] = binary;
  const out: number[] = [];
  for (let offset = 0; offset + size <= element.length; offset += size) out.push(read(view, element.offset + offset, le));
  return out;
}
