import { MAX_UID_LENGTH } from '@dsv/common';
import { findCharacterOutside } from './characters.ts';
import { describeCharacter, makeProblem, quoteValue } from './problem.ts';
import type { ValueProblem } from './types.ts';

// PS3.5 §9.1: at most MAX_UID_LENGTH characters, digits and '.' only, no leading zero in a multi-digit component.
// Whether a string is a UID at all is common's isValidUid; this names each rule a UI value breaks.
const UID_CHARACTER = /^[0-9.]$/;
const LEADING_ZERO = /^0\d/;

/** One UI value, the field's NUL padding already removed. */
export function checkUid(value: string, valueIndex: number): ValueProblem[] {
  if (value === '') return [makeProblem('ui-empty-value', 'UI value is empty', valueIndex)];
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
