import { UNDEFINED_LENGTH, type DicomElement, type ElementReader, type TagKeyword } from '@dsv/common';

/** VRs whose repertoire is the default one (PS3.5 §6.1.2.5.3, Table 6.2-1): no character set to apply. */
const NUL = 0x00;
const SPACE = 0x20;
const DEFAULT_REPERTOIRE: ReadonlySet<string> = new Set(['AE', 'AS', 'CS', 'DA', 'DS', 'DT', 'IS', 'TM', 'UI']);

/** The text values of an element, trimmed; the callers keep them per data set (evaluate-condition.ts, placeTexts). */
export function readTexts(reader: ElementReader, element: DicomElement, keyword: string, dataset: ReadonlyMap<string, DicomElement>): string[] {
  return element.vr !== undefined && DEFAULT_REPERTOIRE.has(element.vr) ? defaultRepertoire(reader, element) : reader.texts(keyword as TagKeyword, dataset);
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
