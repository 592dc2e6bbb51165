/**
 * DICOM dates and times (PS3.5 §6.2, VRs DA, TM and DT) as ISO 8601 text. Parsed by their grammar and
 * never through `new Date()`, which would shift them into the server's time zone and invent precision the
 * value does not have: a partial TM '1425' stays '14:25'. A value that breaks the grammar answers null.
 */

const DA = /^(\d{4})(\d{2})(\d{2})$/;
const TM = /^(\d{2})(?:(\d{2})(?:(\d{2})(?:\.(\d{1,6}))?)?)?$/;
const DT = /^(\d{4})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:\.(\d{1,6}))?)?)?)?)?)?([+-]\d{4})?$/;

/** DA 'YYYYMMDD' -> 'YYYY-MM-DD'. */
export function formatDicomDate(value: string | undefined): string | null {
  const match = DA.exec(value?.trim() ?? '');
  if (!match) return null;
  const [, year, month, day] = match as unknown as [string, string, string, string];
  return isCalendarDate(year, month, day) ? `${year}-${month}-${day}` : null;
}

/** TM 'HH[MM[SS[.F{1,6}]]]' -> 'HH[:MM[:SS[.F]]]', keeping the precision the value has. */
export function formatDicomTime(value: string | undefined): string | null {
  const match = TM.exec(value?.trim() ?? '');
  if (!match) return null;
  return joinTime(match[1], match[2], match[3], match[4]);
}

/** DT 'YYYY[MM[DD[HH[MM[SS[.F]]]]]][&ZZXX]' -> 'YYYY[-MM[-DD[THH[:MM[:SS[.F]]]]]][±HH:MM]'. */
export function formatDicomDateTime(value: string | undefined): string | null {
  const match = DT.exec(value?.trim() ?? '');
  if (!match) return null;
  const [, year, month, day, hour, minute, second, fraction, offset] = match;
  if (month !== undefined && !isMonth(month)) return null;
  if (day !== undefined && !isCalendarDate(year!, month!, day)) return null;
  let out = [year, month, day].filter((part) => part !== undefined).join('-');
  if (hour === undefined) return out;
  const time = joinTime(hour, minute, second, fraction);
  if (time === null) return null;
  out += `T${time}`;
  if (offset === undefined) return out;
  const zone = formatUtcOffset(offset);
  return zone === null ? null : out + zone;
}

/**
 * A UTC offset '&ZZXX' (PS3.5 §6.2 DT; also TimezoneOffsetFromUTC (0008,0201)) -> '±HH:MM'.
 * PS3.5 allows -1200 to +1400.
 */
export function formatUtcOffset(value: string | undefined): string | null {
  const match = /^([+-])(\d{2})(\d{2})$/.exec(value?.trim() ?? '');
  if (!match) return null;
  const [, sign, hours, minutes] = match as unknown as [string, string, string, string];
  const signed = Number(`${sign}${hours}`) * 60 + Number(`${sign}${minutes}`);
  if (Number(minutes) > 59 || signed < -12 * 60 || signed > 14 * 60) return null;
  return `${sign}${hours}:${minutes}`;
}

function joinTime(hour?: string, minute?: string, second?: string, fraction?: string): string | null {
  // PS3.5 §6.2 TM: HH 00-23, MM 00-59, SS 00-60 (60 for a leap second).
  if (hour === undefined || Number(hour) > 23) return null;
  if (minute !== undefined && Number(minute) > 59) return null;
  if (second !== undefined && Number(second) > 60) return null;
  let out = hour;
  if (minute !== undefined) out += `:${minute}`;
  if (second !== undefined) out += `:${second}`;
  if (fraction !== undefined) out += `.${fraction}`;
  return out;
}

function isMonth(month: string): boolean {
  const m = Number(month);
  return m >= 1 && m <= 12;
}

function isCalendarDate(year: string, month: string, day: string): boolean {
  if (!isMonth(month)) return false;
  const y = Number(year);
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][Number(month) - 1]!;
  const d = Number(day);
  return d >= 1 && d <= days;
}

/**
 * PS3.3 §C.12.1.1.8: Timezone Offset From UTC (0008,0201) is the offset of every DA, TM and DT of the
 * instance that has none of its own. An ISO 8601 time or date-time (from the functions above) gets it
 * appended; one that already ends in an offset keeps its own. A date alone cannot carry one.
 */
export function withUtcOffset(value: string | null, offset: string | null): string | null {
  if (value === null || offset === null || /[+-]\d{2}:\d{2}$/.test(value)) return value;
  const hasTime = value.includes('T') || /^\d{2}(:|$)/.test(value);
  return hasTime ? value + offset : value;
}

/** A DA and a TM of the same event ('2004-01-19', '07:27:30') as one ISO 8601 date-time, with the offset. */
export function joinDateTime(date: string | null, time: string | null, offset: string | null): string | null {
  if (date === null) return null;
  if (time === null) return date;
  return withUtcOffset(`${date}T${time}`, offset);
}
