import { countCharacters } from './characters.ts';
import { makeProblem, quoteValue } from './problem.ts';
import type { TextVr, ValueProblem } from './types.ts';

/**
 * Maximum length of one value, PS3.5 Table 6.2-1 (bytes for the default-repertoire VRs, characters
 * for the others). UC, UR and UT are limited only by the 32-bit length field; PN is limited per
 * component group (person-name.ts) and UI by its own grammar (uid.ts).
 */
export const MAX_VALUE_LENGTH: Partial<Record<TextVr, number>> = {
  AE: 16,
  AS: 4,
  CS: 16,
  DA: 8,
  DS: 16,
  DT: 26,
  IS: 12,
  LO: 64,
  LT: 10240,
  SH: 16,
  ST: 1024,
  TM: 14,
};

export function checkMaxLength(vr: TextVr, value: string, valueIndex: number): ValueProblem[] {
  const max = MAX_VALUE_LENGTH[vr];
  // A value has no more characters than UTF-16 code units: only a longer one needs counting.
  if (max === undefined || value.length <= max) return [];
  const length = countCharacters(value);
  if (length <= max) return [];
  return [
    makeProblem('length-exceeds-max', `${vr} value ${quoteValue(value)} is ${length} characters long; the maximum is ${max}`, valueIndex),
  ];
}
