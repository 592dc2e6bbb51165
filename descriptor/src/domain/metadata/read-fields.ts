import type { ElementReader, TagKeyword } from '@dsv/common';
import { formatDicomDate, formatDicomDateTime, formatDicomTime, formatUtcOffset } from './dicom-dates.ts';
import { parsePatientAge } from './patient-age.ts';
import { parsePersonName } from './person-name.ts';

/**
 * How an attribute becomes JSON. Absent, empty and unreadable values all become null, so every key is
 * always there and a reader never meets the string "undefined". DS and IS (PS3.5 §6.2) become numbers.
 */
const Readers = {
  text: (reader: ElementReader, keyword: TagKeyword) => reader.text(keyword) ?? null,
  texts: (reader: ElementReader, keyword: TagKeyword) => nonEmpty(reader.texts(keyword).filter(Boolean)),
  number: (reader: ElementReader, keyword: TagKeyword) => reader.number(keyword) ?? null,
  numbers: (reader: ElementReader, keyword: TagKeyword) => nonEmpty(reader.numbers(keyword)),
  date: (reader: ElementReader, keyword: TagKeyword) => formatDicomDate(reader.text(keyword)),
  time: (reader: ElementReader, keyword: TagKeyword) => formatDicomTime(reader.text(keyword)),
  dateTime: (reader: ElementReader, keyword: TagKeyword) => formatDicomDateTime(reader.text(keyword)),
  utcOffset: (reader: ElementReader, keyword: TagKeyword) => formatUtcOffset(reader.text(keyword)),
  personName: (reader: ElementReader, keyword: TagKeyword) => parsePersonName(reader.text(keyword)),
  age: (reader: ElementReader, keyword: TagKeyword) => parsePatientAge(reader.text(keyword)),
};

export type FieldKind = keyof typeof Readers;
export type FieldSpec = Partial<Record<TagKeyword, FieldKind>>;
export type Fields<S extends FieldSpec> = { -readonly [K in keyof S]: ReturnType<(typeof Readers)[S[K] & FieldKind]> };

/** Reads the attributes a spec names, keyed by their keyword. */
export function readFields<const S extends FieldSpec>(reader: ElementReader, spec: S): Fields<S> {
  const out: Record<string, unknown> = {};
  for (const [keyword, kind] of Object.entries(spec) as [TagKeyword, FieldKind][]) out[keyword] = Readers[kind](reader, keyword);
  return out as Fields<S>;
}

function nonEmpty<T>(values: T[]): T[] | null {
  return values.length === 0 ? null : values;
}
