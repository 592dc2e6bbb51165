import { makeProblem, quoteValue } from './problem.ts';
import type { TextVr, ValueProblem } from './types.ts';

/** PS3.5 §6.4: LT, ST, UR and UT always have one value; a backslash in them is text. */
export const SINGLE_VALUED_TEXT: ReadonlySet<string> = new Set(['LT', 'ST', 'UR', 'UT']);

const NUL = '\0';
const SPACE = ' ';
const TRAILING_NULS = /\0+$/;

/**
 * PS3.5 §6.2 and §6.4: a text field is padded to even length with one trailing SPACE, a UI field
 * with one trailing NUL. Removes that one character; the wrong pad character is a problem.
 *
 * Trailing NULs on a text field (one or more, as many writers leave them) are removed too, as every reader
 * does: 'padding-nul', a warning of its own (nul-padding). Where removing them changes what the field
 * says — nothing but NULs and spaces, which would read as empty — it stays 'padding-wrong-character'.
 */
export function removeFieldPadding(vr: TextVr, raw: string): { body: string; problems: ValueProblem[] } {
  const expected = vr === 'UI' ? NUL : SPACE;
  const wrong = vr === 'UI' ? SPACE : NUL;
  const last = raw.at(-1);
  if (last === expected) return { body: raw.slice(0, -1), problems: [] };
  if (last !== wrong) return { body: raw, problems: [] };
  const names = vr === 'UI' ? ['SPACE (20H)', 'NUL (00H)'] : ['NUL (00H)', 'SPACE (20H)'];
  if (vr !== 'UI') {
    const body = raw.replace(TRAILING_NULS, '');
    if (body.replace(/ /g, '') !== '') {
      return {
        body,
        problems: [
          makeProblem(
            'padding-nul',
            `${vr} value ${quoteValue(raw)} ends in ${raw.length - body.length} NUL (00H) byte(s); PS3.5 §6.2 pads ${vr} with one ${names[1]}`,
          ),
        ],
      };
    }
  }
  return {
    body: raw.slice(0, -1),
    problems: [
      makeProblem(
        'padding-wrong-character',
        `${vr} value ${quoteValue(raw)} is padded with ${names[0]}; PS3.5 §6.2 pads ${vr} with ${names[1]}`,
      ),
    ],
  };
}

/** PS3.5 §6.4: values of a character string are delimited by backslash (5CH). */
export function splitValues(vr: string, body: string): string[] {
  return SINGLE_VALUED_TEXT.has(vr) ? [body] : body.split('\\');
}
