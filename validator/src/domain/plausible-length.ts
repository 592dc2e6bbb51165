import { lookupTag, type DicomDataSet, type DicomElement } from '@dsv/common';
import { BINARY_VALUE_SIZE } from './vr/binary.ts';
import { MAX_VALUE_LENGTH } from './vr/length.ts';

/** A 32-bit length this large is never a header value: PS3.5 §7.1.1 lengths stop at FFFFFFFEH, files far earlier. */
export const HUGE_LENGTH = 2 ** 31;

/** VRs whose maximum PS3.5 Table 6.2-1 gives in characters: a character of UTF-8 or GB18030 takes up to 4 bytes. */
const CHARACTER_LIMITED = new Set(['LO', 'LT', 'PN', 'SH', 'ST']);
const BYTES_PER_CHARACTER = 4;
/** PS3.5 §6.2.1: three component groups of 64 characters, two '=' between them. */
const PN_MAX_CHARACTERS = 3 * 64 + 2;
/** PS3.5 §9.1. */
const UI_MAX_BYTES = 64;

/**
 * The most bytes a well-formed value field of this VR and VM can hold, or undefined when PS3.5 sets no
 * bound short of the 32-bit length field (UT, UC, UR, OB, OW, SQ, or a VM of 'n').
 */
export function maxFieldBytes(vr: string | undefined, vm: string | undefined): number | undefined {
  const perValue = maxValueBytes(vr);
  const values = maxValues(vm);
  if (perValue === undefined || values === undefined) return undefined;
  // Text values are separated by one backslash (PS3.5 §6.4); one byte of padding may follow (§7.1.1).
  return perValue * values + (values - 1) + 1;
}

function maxValueBytes(vr: string | undefined): number | undefined {
  if (vr === undefined) return undefined;
  if (vr === 'UI') return UI_MAX_BYTES;
  if (vr === 'PN') return PN_MAX_CHARACTERS * BYTES_PER_CHARACTER;
  const text = (MAX_VALUE_LENGTH as Readonly<Record<string, number>>)[vr];
  if (text !== undefined) return CHARACTER_LIMITED.has(vr) ? text * BYTES_PER_CHARACTER : text;
  const binary = (BINARY_VALUE_SIZE as Readonly<Record<string, number>>)[vr];
  // O* VRs are byte streams of any length: their word size is no bound.
  return binary !== undefined && !vr.startsWith('O') ? binary : undefined;
}

/** The upper end of a PS3.6 VM ('1', '1-3', '2-2n', '1-n', '1 or 3'), undefined when unbounded. */
function maxValues(vm: string | undefined): number | undefined {
  if (vm === undefined || vm.includes('n')) return undefined;
  const numbers = vm.match(/\d+/g)?.map(Number) ?? [];
  return numbers.length > 0 ? Math.max(...numbers) : undefined;
}

/** The element with this tag wherever it sits, items included, or undefined. */
export function findElement(dataset: DicomDataSet, tag: string): DicomElement | undefined {
  const here = dataset.get(tag);
  if (here) return here;
  for (const element of dataset.values()) {
    for (const item of element.items ?? []) {
      const nested = findElement(item, tag);
      if (nested) return nested;
    }
  }
  return undefined;
}

/** Why a declared length cannot be right for the element, or undefined when it could be. */
export function implausibleLength(tag: string, vr: string | undefined, declared: number): string | undefined {
  if (declared >= HUGE_LENGTH) return `declares ${declared} bytes, 2 GiB or more`;
  const entry = lookupTag(tag);
  const effectiveVr = vr ?? entry?.vrs[0];
  const max = maxFieldBytes(effectiveVr, entry?.vm);
  if (max === undefined || declared <= max) return undefined;
  return `declares ${declared} bytes; a ${effectiveVr} field of VM ${entry?.vm} holds at most ${max} (PS3.5 Table 6.2-1)`;
}
