import type { DicomElement, ElementReader } from '@dsv/common';

const BINARY_VRS: ReadonlySet<string> = new Set(['AT', 'FL', 'FD', 'SL', 'SS', 'SV', 'UL', 'US', 'UV', 'OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN']);

/**
 * PS3.5 §7.4.1: a zero-length value, a text value of padding only, or a sequence without items. Padding is
 * SPACE or NUL, the same bytes in every character set DICOM allows (PS3.5 §6.1.2.5.3), so the raw bytes are
 * looked at, not decoded text.
 */
export function isEmptyValue(reader: ElementReader, element: DicomElement): boolean {
  if (element.items) return element.items.length === 0;
  if (element.length === 0) return true;
  if (element.vr === undefined || BINARY_VRS.has(element.vr)) return false;
  const bytes = reader.bytes(element);
  if (bytes === null) return false;
  for (const byte of bytes) if (byte !== 0x20 && byte !== 0x00) return false;
  return true;
}
