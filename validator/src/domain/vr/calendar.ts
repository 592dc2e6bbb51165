/** Gregorian calendar arithmetic for DA and DT; PS3.5 Table 6.2-1 reads dates as Gregorian. */

export function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Why YYYY, MM, DD do not name a calendar date, or undefined when they do. */
export function describeBadDate(year: number, month: number, day?: number): string | undefined {
  if (month < 1 || month > 12) return `month ${month} is not 01-12`;
  if (day === undefined) return undefined;
  const last = daysInMonth(year, month);
  if (day < 1 || day > last) return `day ${day} is not 01-${last} for ${year}-${String(month).padStart(2, '0')}`;
  return undefined;
}

/** Why HH, MM, SS are not a time of day, or undefined when they are. PS3.5 Table 6.2-1: SS may be 60. */
export function describeBadTime(hour: number, minute?: number, second?: number): string | undefined {
  if (hour > 23) return `hour ${hour} is not 00-23`;
  if (minute !== undefined && minute > 59) return `minute ${minute} is not 00-59`;
  if (second !== undefined && second > 60) return `second ${second} is not 00-60`;
  return undefined;
}
