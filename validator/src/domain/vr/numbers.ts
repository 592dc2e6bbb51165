import { findCharacterOutside } from './characters.ts';
import { describeCharacter, makeProblem, quoteValue } from './problem.ts';
import type { ValueProblem } from './types.ts';

/** PS3.5 Table 6.2-1 DS: '0'-'9', '+', '-', 'E', 'e', '.' and SPACE. */
const DS_CHARACTER = /^[0-9+\-Ee. ]$/;
/** PS3.5 Table 6.2-1 DS: a fixed point number, or a floating point number as in ANSI X3.9. */
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[Ee][+-]?\d+)?$/;
/** PS3.5 Table 6.2-1 IS: '0'-'9', '+', '-' and SPACE. */
const IS_CHARACTER = /^[0-9+\- ]$/;
const INTEGER = /^[+-]?\d+$/;
/** PS3.5 Table 6.2-1 IS: -2^31 <= n <= 2^31 - 1. */
const IS_MIN = -(2 ** 31);
const IS_MAX = 2 ** 31 - 1;

export function checkDecimalString(raw: string, valueIndex: number): ValueProblem[] {
  // PS3.5 Table 6.2-1 DS: leading and trailing spaces allowed, embedded spaces not.
  const value = raw.trim();
  if (value === '') return [];
  const bad = findCharacterOutside(value, DS_CHARACTER);
  if (bad !== undefined) {
    return [makeProblem('ds-bad-character', `DS value ${quoteValue(raw)} contains ${describeCharacter(bad)}`, valueIndex)];
  }
  if (DECIMAL.test(value)) return [];
  return [makeProblem('ds-format', `DS value ${quoteValue(raw)} is not a decimal number`, valueIndex)];
}

export function checkIntegerString(raw: string, valueIndex: number): ValueProblem[] {
  // PS3.5 Table 6.2-1 IS: leading and trailing spaces allowed, embedded spaces not.
  const value = raw.trim();
  if (value === '') return [];
  const bad = findCharacterOutside(value, IS_CHARACTER);
  if (bad !== undefined) {
    return [makeProblem('is-bad-character', `IS value ${quoteValue(raw)} contains ${describeCharacter(bad)}`, valueIndex)];
  }
  if (!INTEGER.test(value)) {
    return [makeProblem('is-format', `IS value ${quoteValue(raw)} is not an integer`, valueIndex)];
  }
  const number = Number(value);
  if (number >= IS_MIN && number <= IS_MAX) return [];
  return [makeProblem('is-out-of-range', `IS value ${quoteValue(raw)} is outside -2^31..2^31-1`, valueIndex)];
}
