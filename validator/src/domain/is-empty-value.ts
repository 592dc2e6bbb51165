import type { DicomElement, ElementReader } from '@dsv/common';

const BINARY_VRS: ReadonlySet<string> = new Set(['AT', 'FL', 'FD', 'SL', 'SS', 'SV', 'UL', 'US', 'UV', 'OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN']);

/** PS3.5 §7.4.1: a zero-length value, a text value of padding only, or a sequence without items. */
export function isEmptyValue(reader: ElementReader, element: DicomElement): boolean {
  if (element.items) return element.items.length === 0;
  if (element.length === 0) return true;
  // Binary values are never "padding only"; deciding that first spares decoding Pixel Data as text.
  if (element.vr === undefined || BINARY_VRS.has(element.vr)) return false;
  const text = reader.rawText(element);
  return text !== null && text.replace(/[\0 ]+/g, '') === '';
}
