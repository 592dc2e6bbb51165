import { controlCharacterProblem, ESC, findCharacterOutside, findControlCharacter, TEXT_FORMATTING } from './characters.ts';
import { describeCharacter, makeProblem, quoteValue } from './problem.ts';
import type { ValueProblem, ValueCheck } from './types.ts';

/** PS3.5 Table 6.2-1 CS: upper-case letters, digits, SPACE and underscore. */
const CS_CHARACTER = /^[A-Z0-9 _]$/;
/** PS3.5 Table 6.2-1 AE: the default repertoire without backslash and control characters. */
const AE_CHARACTER = /^[\u0020-\u005b\u005d-\u007e]$/;
/** PS3.5 Table 6.2-1 AS: nnnD, nnnW, nnnM or nnnY. */
const AGE = /^\d{3}[DWMY]$/;
/** PS3.5 §6.2.3 UR: the characters RFC 3986 §2 allows in a URI. */
const URI_CHARACTER = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]$/;

export function checkCodeString(value: string, valueIndex: number): ValueProblem[] {
  const bad = findCharacterOutside(value, CS_CHARACTER);
  if (bad === undefined) return [];
  return [
    makeProblem(
      'cs-bad-character',
      `CS value ${quoteValue(value)} contains ${describeCharacter(bad)}; CS allows only A-Z, 0-9, SPACE and '_'`,
      valueIndex,
    ),
  ];
}

export function checkApplicationEntity(value: string, valueIndex: number): ValueProblem[] {
  const bad = findCharacterOutside(value, AE_CHARACTER);
  if (bad !== undefined) {
    return [makeProblem('ae-bad-character', `AE value ${quoteValue(value)} contains ${describeCharacter(bad)}`, valueIndex)];
  }
  // PS3.5 Table 6.2-1 AE: a value of nothing but spaces shall not be used.
  if (value.trim() === '' && value !== '') {
    return [makeProblem('ae-all-spaces', `AE value ${quoteValue(value)} consists only of spaces`, valueIndex)];
  }
  return [];
}

export function checkAgeString(value: string, valueIndex: number): ValueProblem[] {
  if (value === '' || AGE.test(value)) return [];
  return [makeProblem('as-format', `AS value ${quoteValue(value)} is not of the form nnnD, nnnW, nnnM or nnnY`, valueIndex)];
}

/** SH, LO, UC: any character of the repertoire in use; of the control characters, ESC only. */
export function checkString(vr: string): ValueCheck {
  return (value, valueIndex) => {
    const control = findControlCharacter(value, ESC);
    return control === undefined ? [] : [controlCharacterProblem(vr, value, control, valueIndex)];
  };
}

/** ST, LT, UT: PS3.5 Table 6.2-1 adds the formatting controls CR, LF, FF and TAB (§6.1.3). */
export function checkText(vr: string): ValueCheck {
  return (value, valueIndex) => {
    const control = findControlCharacter(value, ESC + TEXT_FORMATTING);
    return control === undefined ? [] : [controlCharacterProblem(vr, value, control, valueIndex)];
  };
}

export function checkUri(raw: string, valueIndex: number): ValueProblem[] {
  // PS3.5 §6.2.3: trailing spaces are ignored, leading spaces are not allowed.
  const value = raw.replace(/ +$/, '');
  if (value.startsWith(' ')) {
    return [makeProblem('ur-leading-space', `UR value ${quoteValue(raw)} starts with a space`, valueIndex)];
  }
  const bad = findCharacterOutside(value, URI_CHARACTER);
  if (bad === undefined) return [];
  return [
    makeProblem(
      'ur-bad-character',
      `UR value ${quoteValue(raw)} contains ${describeCharacter(bad)}, not allowed in a URI (RFC 3986 §2)`,
      valueIndex,
    ),
  ];
}
