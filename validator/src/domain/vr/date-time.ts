import { describeBadDate, describeBadTime } from './calendar.ts';
import { makeProblem, quoteValue } from './problem.ts';
import type { ValueProblem } from './types.ts';

/** PS3.5 Table 6.2-1 DA: exactly YYYYMMDD. */
const DATE = /^(\d{4})(\d{2})(\d{2})$/;
/** PS3.5 Table 6.2-1 TM: HH[MM[SS[.F{1,6}]]], components omitted only from the right. */
const TIME = /^(\d{2})(?:(\d{2})(?:(\d{2})(?:\.\d{1,6})?)?)?$/;
/** PS3.5 Table 6.2-1 DT: YYYY[MM[DD[HH[MM[SS[.F{1,6}]]]]]][&ZZXX]. */
const DATE_TIME = /^(\d{4})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:\.\d{1,6})?)?)?)?)?)?(?:([+-])(\d{2})(\d{2}))?$/;
/** DT without the UTC offset, for telling a query range from an offset. */
const DATE_TIME_LOCAL = /^\d{4}(?:\d{2}(?:\d{2}(?:\d{2}(?:\d{2}(?:\d{2}(?:\.\d{1,6})?)?)?)?)?)?$/;

const toNumber = (digits: string | undefined): number | undefined => (digits === undefined ? undefined : Number(digits));

// PS3.5 Table 6.2-1 DA, DT, TM: trailing spaces may pad a value; leading and embedded ones may not.
const withoutTrailingSpaces = (value: string): string => value.replace(/ +$/, '');

/** PS3.4 §C.2.2.2.5 range matching ('a-b', '-b', 'a-') is a query form, never a stored value. */
function rangeProblem(vr: string, value: string, side: RegExp, valueIndex: number): ValueProblem | undefined {
  const sides = value.split('-');
  if (sides.length !== 2 || sides.every((part) => part === '')) return undefined;
  if (!sides.every((part) => part === '' || side.test(part))) return undefined;
  return makeProblem(
    'query-range-not-allowed',
    `${vr} value ${quoteValue(value)} is a range; PS3.4 §C.2.2.2.5 allows ranges only in queries`,
    valueIndex,
  );
}

export function checkDate(raw: string, valueIndex: number): ValueProblem[] {
  const value = withoutTrailingSpaces(raw);
  const match = DATE.exec(value);
  if (!match) {
    const range = rangeProblem('DA', value, DATE, valueIndex);
    return [range ?? makeProblem('da-format', `DA value ${quoteValue(raw)} is not of the form YYYYMMDD`, valueIndex)];
  }
  const bad = describeBadDate(Number(match[1]), Number(match[2]), Number(match[3]));
  return bad === undefined
    ? []
    : [makeProblem('da-invalid-date', `DA value ${quoteValue(raw)} is not a calendar date: ${bad}`, valueIndex)];
}

export function checkTime(raw: string, valueIndex: number): ValueProblem[] {
  const value = withoutTrailingSpaces(raw);
  const match = TIME.exec(value);
  if (!match) {
    const range = rangeProblem('TM', value, TIME, valueIndex);
    return [range ?? makeProblem('tm-format', `TM value ${quoteValue(raw)} is not of the form HH[MM[SS[.FFFFFF]]]`, valueIndex)];
  }
  const bad = describeBadTime(Number(match[1]), toNumber(match[2]), toNumber(match[3]));
  return bad === undefined ? [] : [makeProblem('tm-invalid-time', `TM value ${quoteValue(raw)} is not a time of day: ${bad}`, valueIndex)];
}

export function checkDateTime(raw: string, valueIndex: number): ValueProblem[] {
  const value = withoutTrailingSpaces(raw);
  const match = DATE_TIME.exec(value);
  if (!match) {
    const range = rangeProblem('DT', value, DATE_TIME_LOCAL, valueIndex);
    return [
      range ??
        makeProblem('dt-format', `DT value ${quoteValue(raw)} is not of the form YYYY[MM[DD[HH[MM[SS[.FFFFFF]]]]]][&ZZXX]`, valueIndex),
    ];
  }
  const [, year, month, day, hour, minute, second, sign, offsetHours, offsetMinutes] = match;
  const problems: ValueProblem[] = [];
  const badDate = month === undefined ? undefined : describeBadDate(Number(year), Number(month), toNumber(day));
  if (badDate !== undefined) {
    problems.push(makeProblem('dt-invalid-date', `DT value ${quoteValue(raw)} is not a calendar date: ${badDate}`, valueIndex));
  }
  const badTime = hour === undefined ? undefined : describeBadTime(Number(hour), toNumber(minute), toNumber(second));
  if (badTime !== undefined) {
    problems.push(makeProblem('dt-invalid-time', `DT value ${quoteValue(raw)} is not a time of day: ${badTime}`, valueIndex));
  }
  if (sign !== undefined && !isValidUtcOffset(sign, Number(offsetHours), Number(offsetMinutes))) {
    problems.push(
      makeProblem(
        'dt-offset-out-of-range',
        `DT value ${quoteValue(raw)} has UTC offset ${sign}${offsetHours}${offsetMinutes}; PS3.5 Table 6.2-1 allows -1200 to +1400`,
        valueIndex,
      ),
    );
  }
  return problems;
}

/** PS3.5 Table 6.2-1 DT: the offset &ZZXX lies between -1200 and +1400, XX being minutes. */
function isValidUtcOffset(sign: string, hours: number, minutes: number): boolean {
  if (minutes > 59) return false;
  const total = hours * 60 + minutes;
  return sign === '+' ? total <= 14 * 60 : total <= 12 * 60;
}
