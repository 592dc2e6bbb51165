import type { ValueProblem } from './types.ts';

const MAX_QUOTED = 80;

/** The value as it appears in a message: JSON-quoted so control characters show, long text cut short. */
export function quoteValue(value: string): string {
  const shown = value.length > MAX_QUOTED ? `${value.slice(0, MAX_QUOTED)}…` : value;
  return JSON.stringify(shown);
}

/** A character as 'U+001B', for messages about characters that do not print. */
export function describeCharacter(character: string): string {
  const code = character.codePointAt(0) ?? 0;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return code > 0x20 && code !== 0x7f && (code < 0x80 || code > 0x9f) ? `'${character}' (${hex})` : hex;
}

export function makeProblem(rule: string, message: string, valueIndex?: number): ValueProblem {
  return valueIndex === undefined ? { rule, message } : { rule, message, valueIndex };
}
