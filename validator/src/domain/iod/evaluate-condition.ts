import { Tag, type DicomDataSet, type DicomElement, type ElementReader, type TagKeyword } from '@dsv/common';
import { IOD_TABLES } from './iod-tables.ts';
import { readNumbers, readTexts } from './read-values.ts';
import type { Term, Test, Where } from './table-types.ts';

/** A data set or sequence item, with what a condition may look at around it. */
export interface Place {
  readonly dataset: DicomDataSet;
  readonly reader: ElementReader;
  /** The data set that holds the sequence this item belongs to; null at the top level. */
  readonly parent: Place | null;
  readonly root: Place;
}

/**
 * Whether the named condition of the templates holds at `place`: the terms folded from false, left to right,
 * as dicom3tools evaluates them (condn2cc.awk). A condition the generator could not read is false, as is one
 * it does not know.
 */
export function conditionHolds(name: string, place: Place): boolean {
  const terms = IOD_TABLES.conditions[name];
  return terms === undefined ? false : fold(terms, place);
}

function fold(terms: readonly Term[], place: Place): boolean {
  let result = false;
  for (const term of terms) {
    const raw = 'group' in term ? fold(term.group, place) : holds(term.test, place);
    const value = term.not ? !raw : raw;
    result = term.op === 'and' ? result && value : term.op === 'xor' ? result !== value : result || value;
  }
  return result;
}

function at(place: Place, where: Where): Place | null {
  return where === 'item' ? place : where === 'root' ? place.root : place.parent;
}

const tagOf = (keyword: string): string | undefined => Tag[keyword as TagKeyword];

function holds(test: Test, place: Place): boolean {
  const tag = tagOf(test.el);
  if (tag === undefined) return false;
  switch (test.fn) {
    case 'present': {
      const target = at(place, test.where);
      if (!target) return false;
      return test.mask === undefined ? target.dataset.has(tag) : presentMasked(target.dataset, tag, test.mask);
    }
    case 'presentWithin': {
      const items = place.dataset.get(tagOf(test.seq) ?? '')?.items ?? [];
      return items.some((item) => {
        if (!item.has(tag)) return false;
        return test.value === undefined || stringMatches(place.reader.forItem(item), item, test.el, test.sel ?? -1, test.value);
      });
    }
    case 'presentInPathFromRoot':
    case 'sequenceInPathFromRootHasItems': {
      const items = place.root.dataset.get(tagOf(test.seq) ?? '')?.items ?? [];
      const search = test.fn === 'presentInPathFromRoot' ? presentInPath : sequenceInPathHasItems;
      return (test.firstItem ? items.slice(0, 1) : items).some((item) => search(item, tag));
    }
    case 'groupPresent': {
      const group = Number.parseInt(tag.slice(0, 4), 16) & (test.mask ?? 0xffff);
      return [...place.dataset.keys()].some((key) => (Number.parseInt(key.slice(0, 4), 16) & (test.mask ?? 0xffff)) === group);
    }
    case 'valuePresent': {
      const count = valueCount(place, test.el, place.dataset.get(tag));
      return test.sel >= 0 ? count > test.sel : count > 0;
    }
    case 'string': {
      const target = at(place, test.where);
      return target !== null && stringMatches(target.reader, target.dataset, test.el, test.sel, test.value);
    }
    case 'binary': {
      const target = at(place, test.where);
      if (!target) return false;
      const element = target.dataset.get(tag);
      const values = element ? readNumbers(target.reader, element, test.el, target.dataset) : [];
      return selected(values, test.sel).some((value) => compare(value, test.op, test.value));
    }
    case 'tag': {
      const values = tagValues(place, place.dataset.get(tag));
      return selected(values, test.sel).includes(test.value);
    }
    case 'items': {
      const items = place.dataset.get(tag)?.items;
      if (!items) return false;
      return test.count === 'any' ? items.length > 0 : test.count === 'one' ? items.length === 1 : test.count === 'two' ? items.length === 2 : items.length > 1;
    }
  }
}

/** dicom3tools' selector: -1 any value, n the n-th (0-based). */
function selected<T>(values: readonly T[], selector: number): T[] {
  if (selector < 0) return [...values];
  const value = values[selector];
  return value === undefined ? [] : [value];
}

function stringMatches(reader: ElementReader, dataset: DicomDataSet, keyword: string, selector: number, value: string): boolean {
  const element = dataset.get(Tag[keyword as TagKeyword]);
  if (!element) return false;
  return selected(readTexts(reader, element, keyword, dataset), selector).includes(value);
}

function compare(value: number, op: string, target: number): boolean {
  switch (op) {
    case '==': return value === target;
    case '!=': return value !== target;
    case '<': return value < target;
    case '<=': return value <= target;
    case '>': return value > target;
    default: return value >= target;
  }
}

function presentMasked(dataset: DicomDataSet, tag: string, mask: number): boolean {
  const group = Number.parseInt(tag.slice(0, 4), 16) & mask;
  const element = tag.slice(4);
  return [...dataset.keys()].some((key) => key.slice(4) === element && (Number.parseInt(key.slice(0, 4), 16) & mask) === group);
}

/** dicom3tools' ElementPresentInPath: here, or in any item of any sequence below, however deep. */
function presentInPath(dataset: DicomDataSet, tag: string): boolean {
  if (dataset.has(tag)) return true;
  for (const element of dataset.values()) for (const item of element.items ?? []) if (presentInPath(item, tag)) return true;
  return false;
}

function sequenceInPathHasItems(dataset: DicomDataSet, tag: string): boolean {
  const element = dataset.get(tag);
  if (element) return (element.items?.length ?? 0) > 0;
  for (const child of dataset.values()) for (const item of child.items ?? []) if (sequenceInPathHasItems(item, tag)) return true;
  return false;
}

function valueCount(place: Place, keyword: string, element: DicomElement | undefined): number {
  if (!element) return 0;
  if (element.items) return element.items.length;
  const numbers = readNumbers(place.reader, element, keyword, place.dataset);
  if (numbers.length > 0) return numbers.length;
  return readTexts(place.reader, element, keyword, place.dataset).length;
}

/** AT values (PS3.5 §6.2): pairs of 16-bit group and element numbers, as 'GGGGEEEE'. */
export function tagValues(place: Place, element: DicomElement | undefined): string[] {
  const bytes = place.reader.bytes(element);
  if (!bytes || !element) return [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const le = place.reader.parsed.littleEndian;
  const out: string[] = [];
  for (let offset = 0; offset + 4 <= bytes.length; offset += 4) {
    const hex = (value: number) => value.toString(16).toUpperCase().padStart(4, '0');
    out.push(hex(view.getUint16(offset, le)) + hex(view.getUint16(offset + 2, le)));
  }
  return out;
}
