/**
 * The project's one DICOM data dictionary (PS3.6): tag <-> keyword, VR and VM. The data lives in
 * dictionary.generated.ts (from DCMTK's dicom.dic); this module indexes it once, at load, into Maps.
 * Tags are written as eight upper-case hex digits, e.g. '0020000D'.
 */
import { FIXED_ROWS, RANGE_ROWS, Tag, type Span } from './dictionary.generated.ts';
import type { Vr } from './vrs.ts';

export { Tag };

export { isVr, VRS, type Vr } from './vrs.ts';

export interface DictionaryEntry {
  /** Eight upper-case hex digits; for a repeating group, the concrete tag that was asked for. */
  readonly tag: string;
  readonly keyword: string;
  /** Possible VRs; the first is the one to assume under Implicit VR. Empty for items and delimiters (PS3.5 §7.5). */
  readonly vrs: readonly Vr[];
  /** '1', '1-n', '2-2n', ... */
  readonly vm: string;
  readonly retired: boolean;
}

export type TagKeyword = keyof typeof Tag;

const TAG_PATTERN = /^[0-9A-F]{8}$/i;

const byTag = new Map<string, DictionaryEntry>();
const byKeyword = new Map<string, DictionaryEntry>();

function makeEntry(tag: string, keyword: string, vrs: readonly Vr[], vm: string, retired: boolean): DictionaryEntry {
  return Object.freeze({ tag, keyword, vrs: Object.freeze([...vrs]), vm, retired });
}

function* spanNumbers([first, last, step]: Span): Generator<number> {
  for (let value = first; value <= last; value += step) yield value;
}

for (const [tag, keyword, vrs, vm, retired] of FIXED_ROWS) {
  const entry = makeEntry(tag, keyword, vrs, vm, retired);
  byTag.set(tag, entry);
  byKeyword.set(keyword, entry);
}

// Every tag a range covers is indexed up front (under 2,000 of them) so lookups stay a single Map read.
// Single tags win: Pixel Data (7FE0,0010) lies inside the retired Variable Pixel Data groups (7Fxx,0010).
for (const [groups, elements, keyword, vrs, vm, retired] of RANGE_ROWS) {
  for (const group of spanNumbers(groups)) {
    for (const element of spanNumbers(elements)) {
      const tag = tagFromGroupElement(group, element);
      if (!byTag.has(tag)) byTag.set(tag, makeEntry(tag, keyword, vrs, vm, retired));
    }
  }
  byKeyword.set(keyword, byTag.get(Tag[keyword as TagKeyword])!);
}

/**
 * Group Length (gggg,0000) exists implicitly for every group; dicom.dic names only the command and file meta
 * ones. Elsewhere it is retired (PS3.5 §7.2).
 */
function groupLength(tag: string): DictionaryEntry {
  return makeEntry(tag, 'GroupLength', ['UL'], '1', true);
}

/** The entry for a tag ('0020000d' works too); undefined for unknown, malformed and private tags (bar group lengths). */
export function lookupTag(tag: string): DictionaryEntry | undefined {
  // Tags as the parser writes them (upper case) are the Map's own keys: asked first, nothing to normalise.
  const known = byTag.get(tag);
  if (known) return known;
  if (!TAG_PATTERN.test(tag)) return undefined;
  const normalised = tag.toUpperCase();
  const entry = byTag.get(normalised);
  if (entry) return entry;
  return normalised.endsWith('0000') ? groupLength(normalised) : undefined;
}

/** The entry for a PS3.6 keyword (case-sensitive); a repeating group's keyword gives its first group. */
export function lookupKeyword(keyword: string): DictionaryEntry | undefined {
  return byKeyword.get(keyword);
}

/** PS3.5 §7.1: odd groups are private, except 0001, 0003, 0005, 0007 and FFFF, which are not allowed at all. */
export function isPrivateTag(tag: string): boolean {
  const group = parseTag(tag).group;
  return group % 2 === 1 && group > 0x0007 && group !== 0xffff;
}

/** PS3.5 §7.8.1: (gggg,0010-00FF) in a private group reserve blocks of elements for a creator. */
export function isPrivateCreatorTag(tag: string): boolean {
  const { element } = parseTag(tag);
  return isPrivateTag(tag) && element >= 0x0010 && element <= 0x00ff;
}

/** '0020000D' -> '(0020,000D)', the way the standard and log readers write tags. */
export function formatTag(tag: string): string {
  parseTag(tag);
  const upper = tag.toUpperCase();
  return `(${upper.slice(0, 4)},${upper.slice(4)})`;
}

export function tagFromGroupElement(group: number, element: number): string {
  return hex4(group, 'group') + hex4(element, 'element');
}

function hex4(value: number, part: string): string {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new RangeError(`${part} ${value} is not 0-0xFFFF`);
  return value.toString(16).toUpperCase().padStart(4, '0');
}

function parseTag(tag: string): { group: number; element: number } {
  const value = tagNumber(tag);
  if (value < 0) throw new RangeError(`'${tag}' is not a tag of eight hex digits`);
  return { group: value >>> 16, element: value & 0xffff };
}

/** The tag as a 32-bit number, or -1 unless it is eight hex digits (TAG_PATTERN), read without a substring per part. */
function tagNumber(tag: string): number {
  if (tag.length !== 8) return -1;
  let value = 0;
  for (let index = 0; index < 8; index++) {
    const digit = hexDigit(tag.charCodeAt(index));
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

function hexDigit(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x57 : -1;
}
