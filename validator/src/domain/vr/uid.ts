import { MAX_UID_LENGTH } from '@dsv/common';
import { findCharacterOutside } from './characters.ts';
import { describeCharacter, makeProblem, quoteValue } from './problem.ts';
import type { ValueProblem } from './types.ts';

// PS3.5 §9.1: at most MAX_UID_LENGTH characters, digits and '.' only, no leading zero in a multi-digit component.
// Whether a string is a UID at all is common's isValidUid; this names each rule a UI value breaks.
const UID_CHARACTER = /^[0-9.]$/;
const LEADING_ZERO = /^0\d/;

/**
 * Breaks none of the rules below, read in one pass over the characters: most UIDs are well formed, and only
 * one that is not needs its problems named.
 */
function isWellFormed(value: string): boolean {
  if (value.length > MAX_UID_LENGTH) return false;
  let componentStart = 0;
  for (let index = 0; index <= value.length; index++) {
    const code = index < value.length ? value.charCodeAt(index) : DOT;
    if (code === DOT) {
      // An empty component, or a multi-digit one that starts with '0'.
      if (index === componentStart) return false;
      if (value.charCodeAt(componentStart) === ZERO && index - componentStart > 1) return false;
      componentStart = index + 1;
    } else if (code < ZERO || code > ZERO + 9) {
      return false;
    }
  }
  return true;
}

const DOT = 0x2e;
const ZERO = 0x30;

/** One UI value, the field's NUL padding already removed. */
export function checkUid(value: string, valueIndex: number): ValueProblem[] {
  if (value === '') return [makeProblem('ui-empty-value', 'UI value is empty', valueIndex)];
  if (isWellFormed(value)) return [];
  const problems: ValueProblem[] = [];
  if (value.length > MAX_UID_LENGTH) {
    problems.push(
      makeProblem(
        'ui-too-long',
        `UI value ${quoteValue(value)} is ${value.length} characters long; PS3.5 §9.1 allows ${MAX_UID_LENGTH}`,
        valueIndex,
      ),
    );
  }
  const bad = findCharacterOutside(value, UID_CHARACTER);
  if (bad !== undefined) {
    problems.push(
      makeProblem(
        'ui-bad-character',
        `UI value ${quoteValue(value)} contains ${describeCharacter(bad)}; PS3.5 §9.1 allows only digits and '.'`,
        valueIndex,
      ),
    );
    return problems;
  }
  const components = value.split('.');
  if (components.some((component) => component === '')) {
    problems.push(makeProblem('ui-empty-component', `UI value ${quoteValue(value)} has an empty component`, valueIndex));
  }
  const padded = components.find((component) => LEADING_ZERO.test(component));
  if (padded !== undefined) {
    problems.push(
      makeProblem(
        'ui-component-leading-zero',
        `UI value ${quoteValue(value)} has component '${padded}' with a leading zero (PS3.5 §9.1)`,
        valueIndex,
      ),
    );
  }
  return problems;
}
