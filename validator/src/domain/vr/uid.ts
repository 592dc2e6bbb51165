import { findCharacterOutside } from './characters.ts';
import { describeCharacter, makeProblem, quoteValue } from './problem.ts';
import type { ValueProblem } from './types.ts';

/** PS3.5 §9.1: at most 64 characters, digits and '.' only, no leading zero in a multi-digit component. */
export const MAX_UID_LENGTH = 64;
const UID_CHARACTER = /^[0-9.]$/;
const LEADING_ZERO = /^0\d/;

/**
 * The UID grammar of PS3.5 §9.1 for one encoded UID. The single trailing NUL that pads a UI value
 * to even length (PS3.5 §6.2) is accepted; no other padding is.
 */
export function isValidUid(s: string): boolean {
  return checkUid(s.endsWith('\0') ? s.slice(0, -1) : s, 0).length === 0;
}

/** One UI value, the field's NUL padding already removed. */
export function checkUid(value: string, valueIndex: number): ValueProblem[] {
  if (value === '') return [makeProblem('ui-empty-value', 'UI value is empty', valueIndex)];
  const problems: ValueProblem[] = [];
  if (value.length > MAX_UID_LENGTH) {
    problems.push(makeProblem('ui-too-long',
      `UI value ${quoteValue(value)} is ${value.length} characters long; PS3.5 §9.1 allows ${MAX_UID_LENGTH}`, valueIndex));
  }
  const bad = findCharacterOutside(value, UID_CHARACTER);
  if (bad !== undefined) {
    problems.push(makeProblem('ui-bad-character',
      `UI value ${quoteValue(value)} contains ${describeCharacter(bad)}; PS3.5 §9.1 allows only digits and '.'`, valueIndex));
    return problems;
  }
  const components = value.split('.');
  if (components.some((component) => component === '')) {
    problems.push(makeProblem('ui-empty-component', `UI value ${quoteValue(value)} has an empty component`, valueIndex));
  }
  const padded = components.find((component) => LEADING_ZERO.test(component));
  if (padded !== undefined) {
    problems.push(makeProblem('ui-component-leading-zero',
      `UI value ${quoteValue(value)} has component '${padded}' with a leading zero (PS3.5 §9.1)`, valueIndex));
  }
  return problems;
}
