import { describeCharacter, makeProblem, quoteValue } from './problem.ts';
import type { ValueProblem } from './types.ts';

/**
 * Characters shared by several VRs. PS3.5 §6.1.3 lists the control characters DICOM text may carry:
 * LF, FF, CR, TAB and ESC; ESC only to introduce ISO 2022 code extensions (PS3.5 §6.1.2.5).
 */

/** C0 controls, DEL and C1 controls: none is a graphic character in any DICOM repertoire. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;

/** ISO 2022 escape sequence: ESC, intermediate bytes 02/00-02/15, one final byte 03/00-07/14. */
const ESCAPE_SEQUENCE = /\u001b[\u0020-\u002f]*[\u0030-\u007e]/gu;

export const ESC = '\u001b';
/** PS3.5 Table 6.2-1: LT, ST and UT may also hold the formatting controls of §6.1.3. */
export const TEXT_FORMATTING = '\r\n\f\t';

/** The first control character in value not listed in allowed, or undefined. */
export function findControlCharacter(value: string, allowed: string): string | undefined {
  // Most values hold no control character at all: one test of the whole value, not one per character.
  if (!CONTROL.test(value)) return undefined;
  for (const character of value) {
    if (CONTROL.test(character) && !allowed.includes(character)) return character;
  }
  return undefined;
}

const WHOLE_VALUES = new WeakMap<RegExp, RegExp>();

/**
 * `permitted` (one character, /^[…]$/) as a test of a whole value, made once per pattern. A character outside
 * the BMP is two code units, each outside every permitted set here, so the whole value fails as the per-character
 * test would.
 */
function wholeValue(permitted: RegExp): RegExp {
  let whole = WHOLE_VALUES.get(permitted);
  if (whole === undefined) {
    whole = new RegExp(`^(?:${permitted.source.slice(1, -1)})*$`, permitted.flags);
    WHOLE_VALUES.set(permitted, whole);
  }
  return whole;
}

/** The first character in value outside the permitted set, or undefined. */
export function findCharacterOutside(value: string, permitted: RegExp): string | undefined {
  // Most values are all permitted: one test of the whole value, and character by character only to name the culprit.
  if (wholeValue(permitted).test(value)) return undefined;
  for (const character of value) {
    if (!permitted.test(character)) return character;
  }
  return undefined;
}

/** Length in characters; PS3.5 §6.2: escape sequences for code extension are not counted. */
export function countCharacters(value: string): number {
  if (value.includes(ESC)) return [...value.replace(ESCAPE_SEQUENCE, '')].length;
  // Code points, as the spread counts them: a surrogate pair is one character, a lone surrogate one too.
  let count = value.length;
  for (let index = 0; index + 1 < value.length; index++) {
    const code = value.charCodeAt(index);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = value.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        count--;
        index++;
      }
    }
  }
  return count;
}

export function controlCharacterProblem(vr: string, value: string, character: string, valueIndex: number): ValueProblem {
  return makeProblem(
    'control-character',
    `${vr} value ${quoteValue(value)} contains control character ${describeCharacter(character)}, not allowed in ${vr} (PS3.5 §6.1.3)`,
    valueIndex,
  );
}
