import type { DicomElement, ElementReader, TagKeyword } from '@dsv/common';

/**
 * The conditions and value checks of the tables read the same few elements (SOP Class UID, Image Type,
 * Modality, …) hundreds of times per file; decoding them each time (character sets, ISO 2022) is the cost.
 * Values are kept per element object: an element belongs to one data set or item, whose character set is
 * fixed, so its decoded values never change.
 */
const TEXTS = new WeakMap<DicomElement, string[]>();
const NUMBERS = new WeakMap<DicomElement, number[]>();

export function readTexts(reader: ElementReader, element: DicomElement, keyword: string, dataset: ReadonlyMap<string, DicomElement>): string[] {
  let values = TEXTS.get(element);
  if (values === undefined) {
    values = reader.texts(keyword as TagKeyword, dataset);
    TEXTS.set(element, values);
  }
  return values;
}

export function readNumbers(reader: ElementReader, element: DicomElement, keyword: string, dataset: ReadonlyMap<string, DicomElement>): number[] {
  let values = NUMBERS.get(element);
  if (values === undefined) {
    values = reader.numbers(keyword as TagKeyword, dataset);
    NUMBERS.set(element, values);
  }
  return values;
}
