import { controlCharacterProblem, countCharacters, ESC, findControlCharacter } from './characters.ts';
import { makeProblem, quoteValue } from './problem.ts';
import type { ValueProblem } from './types.ts';

/** PS3.5 §6.2.1: alphabetic, ideographic and phonetic component groups, separated by '='. */
const MAX_GROUPS = 3;
/** PS3.5 §6.2.1: family, given, middle, prefix, suffix, separated by '^'. */
const MAX_COMPONENTS = 5;
/** PS3.5 Table 6.2-1 PN: 64 characters per component group. */
const MAX_GROUP_LENGTH = 64;

export function checkPersonName(raw: string, valueIndex: number): ValueProblem[] {
  // PS3.5 §6.2.1: trailing spaces are insignificant.
  const value = raw.replace(/ +$/, '');
  const problems: ValueProblem[] = [];
  const control = findControlCharacter(value, ESC);
  if (control !== undefined) problems.push(controlCharacterProblem('PN', value, control, valueIndex));
  const groups = value.split('=');
  if (groups.length > MAX_GROUPS) {
    problems.push(
      makeProblem(
        'pn-too-many-groups',
        `PN value ${quoteValue(value)} has ${groups.length} component groups; PS3.5 §6.2.1 allows ${MAX_GROUPS}`,
        valueIndex,
      ),
    );
  }
  for (const group of groups) {
    const components = group.split('^').length;
    if (components > MAX_COMPONENTS) {
      problems.push(
        makeProblem(
          'pn-too-many-components',
          `PN value ${quoteValue(value)} has ${components} components in group ${quoteValue(group)}; PS3.5 §6.2.1 allows ${MAX_COMPONENTS}`,
          valueIndex,
        ),
      );
    }
    const length = countCharacters(group);
    if (length > MAX_GROUP_LENGTH) {
      problems.push(
        makeProblem(
          'pn-group-too-long',
          `PN value ${quoteValue(value)} has a component group of ${length} characters; the maximum is ${MAX_GROUP_LENGTH}`,
          valueIndex,
        ),
      );
    }
  }
  return problems;
}
