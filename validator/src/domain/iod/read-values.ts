import type { DicomElement, ElementReader, TagKeyword } from '@dsv/common';

/**
 * The conditions and value checks of the tables read the same few elements (SOP Class UID, Image Type,
 * Modality, …) hundreds of times per file; decoding them each time (character sets, ISO 2022) is the cost.
 * Values are kept per element object: an element belongs to one data set or item, whose character set is
 * fixed, so its decoded values never change.
 */
const TEXTS = new WeakMap<DicomElement, string[]>();
const NUMBERS = new WeakMap<DicomElement, number[]>();

/** VRs whose repertoire is the default one (PS3.5 §6.1.2.5.3, Table 6.2-1): no character set to apply. */
const DEFAULT_REPERTOIRE: ReadonlySet<string> = new Set(['AE', 'AS', 'CS', 'DA', 'DS', 'DT', 'IS', 'TM', 'UI']);

export function readTexts(reader: ElementReader, element: DicomElement, keyword: string, dataset: ReadonlyMap<string, DicomElement>): string[] {
  let values = TEXTS.get(element);
  if (values === undefined) {
    values = element.vr !== undefined && DEFAULT_REPERTOIRE.has(element.vr) ? defaultRepertoire(reader, element) : reader.texts(keyword as TagKeyword, dataset);
    TEXTS.set(element, values);
  }
  return values;
}

/** As ElementReader.texts, without character set decoding: padding removed, split on backslash, each value trimmed. */
function defaultRepertoire(reader: ElementReader, element: DicomElement): string[] {
  const bytes = reader.bytes(element);
  if (bytes === null) return [];
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1').replace(/[\0 ]+$/, '').replace(/^ +/, '');
  return text === '' ? [] : text.split('\\').map((value) => value.trim());
}

export function readNumbers(reader: ElementReader, element: DicomElement, keyword: string, dataset: ReadonlyMap<string, DicomElement>): number[] {
  let values = NUMBERS.get(element);
  if (values === undefined) {
    values = reader.numbers(keyword as TagKeyword, dataset);
    NUMBERS.set(element, values);
  }
  return values;
}
