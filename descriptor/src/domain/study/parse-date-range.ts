import { formatDicomDate } from '../metadata/dicom-dates.ts';

/**
 * A StudyDate filter, as QIDO-RS takes it (PS3.18 §8.3.4.1, range matching of PS3.4 §C.2.2.2.5): one date,
 * or a range 'from-to' whose either end may be left open. Dates are DICOM DA 'YYYYMMDD' or ISO 8601
 * 'YYYY-MM-DD'. The answer is in ISO form, the form of metadata.json, so ranges compare as strings.
 */
export interface DateRange {
  /** Inclusive; null: open. */
  from: string | null;
  to: string | null;
}

const DATE = String.raw`\d{8}|\d{4}-\d{2}-\d{2}`;
const RANGE = new RegExp(`^(?<from>${DATE})?(?<dash>-)?(?<to>${DATE})?$`);

/** Null when the value breaks the grammar, names a day no calendar has, or runs backwards. */
export function parseDateRange(value: string): DateRange | null {
  const match = RANGE.exec(value.trim());
  if (!match?.groups) return null;
  const { from, dash, to } = match.groups;
  if (from === undefined && to === undefined) return null;
  if (dash === undefined && to !== undefined) return null;
  const start = from === undefined ? null : toIsoDate(from);
  const end = to === undefined ? null : toIsoDate(to);
  if (start === undefined || end === undefined) return null;
  // A single date is a range of one day.
  if (dash === undefined) return { from: start, to: start };
  if (start !== null && end !== null && start > end) return null;
  return { from: start, to: end };
}

/** 'YYYYMMDD' or 'YYYY-MM-DD' -> 'YYYY-MM-DD'; undefined for a day that does not exist. */
function toIsoDate(value: string): string | undefined {
  return formatDicomDate(value.replaceAll('-', '')) ?? undefined;
}
