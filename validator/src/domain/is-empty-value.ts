import { UNDEFINED_LENGTH, type DicomElement, type ElementReader } from '@dsv/common';

const BINARY_VRS: ReadonlySet<string> = new Set([
  'AT',
  'FL',
  'FD',
  'SL',
  'SS',
  'SV',
  'UL',
  'US',
  'UV',
  'OB',
  'OD',
  'OF',
  'OL',
  'OV',
  'OW',
  'UN',
]);

/**
 * PS3.5 §7.4.1: a zero-length value, a text value of padding only, or a sequence without items. Padding is
 * SPACE or NUL, the same bytes in every character set DICOM allows (PS3.5 §6.1.2.5.3), so the raw bytes are
 * looked at, not decoded text.
 */
export function isEmptyValue(reader: ElementReader, element: DicomElement): boolean {
  if (element.items) return element.items.length === 0;
  if (element.length === 0) return true;
  if (element.vr === undefined || BINARY_VRS.has(element.vr) || element.length === UNDEFINED_LENGTH) return false;
  // Read in place: the value's bytes are not cut out, as ElementReader.bytes would.
  const bytes = reader.parsed.bytes;
  const end = element.offset + element.length;
  if (end > bytes.length) return false;
  for (let index = element.offset; index < end; index++) if (bytes[index] !== 0x20 && bytes[index] !== 0x00) return false;
  return true;
}
