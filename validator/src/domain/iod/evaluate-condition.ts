import { Tag, type DicomDataSet, type DicomElement, type ElementReader, type TagKeyword } from '@dsv/common';
import { IOD_TABLES } from './iod-tables.ts';
import { isBinaryNumber, readNumbers, readTexts } from './read-values.ts';
import type { Term, Test, Where } from './table-types.ts';

/** A data set or sequence item, with what a condition may look at around it. */
export interface Place {
  readonly dataset: DicomDataSet;
  readonly reader: ElementReader;
  /** The data set that holds the sequence this item belongs to; null at the top level. */
  readonly parent: Place | null;
  readonly root: Place;
  /** Conditions already evaluated here, by name (made on the first). */
  answers: Map<string, boolean> | null;
  /** Text values already read here, by tag (made on the first). */
  texts: Map<string, readonly string[]> | null;
  /** Numeric values already read here, by tag (made on the first). */
  numbers: Map<string, readonly number[]> | null;
  /** The data set's tags (or groups) under a mask, by kind and mask (made on the first masked test). */
  masked: Map<string, Set<number>> | null;
  /** Which high bytes the groups of the data set's tags have, one flag per byte value (made on the first masked test). */
  highBytes: Uint8Array | null;
}

export type Compiled = (place: Place) => boolean;
const COMPILED = new Map<string, Compiled>();
const NEVER: Compiled = () => false;

/**
 * Whether the named condition of the templates holds at `place`: the terms folded from false, left to right,
 * as dicom3tools evaluates them (condn2cc.awk). A condition the generator could not read is false, as is one
 * it does not know. Each condition is turned into a function once, on first use.
 */
export function conditionHolds(name: string, place: Place): boolean {
  return compiledCondition(name)(place);
}

/**
 * The named condition as a function of the place, made once. Its answer is kept: per place (many attributes
 * of a module share one condition, and a place's data set does not change); on the top-level data set when
 * the condition looks only there (the same answer for every item of the per-frame functional groups); and
 * for good, by SOP Class UID, when the condition reads nothing else (one in ten: "not a Legacy Converted
 * Enhanced CT", …).
 */
export function compiledCondition(name: string): Compiled {
  let compiled = COMPILED.get(name);
  if (compiled === undefined) {
    const terms = IOD_TABLES.conditions[name];
    compiled = terms === undefined ? NEVER : remembered(name, terms, compileTerms(terms));
    COMPILED.set(name, compiled);
  }
  return compiled;
}

function remembered(name: string, terms: readonly Term[], evaluate: Compiled): Compiled {
  if (everyTest(terms, (test) => test.fn === 'string' && test.el === 'SOPClassUID' && test.where === 'root')) {
    const bySopClass = new Map<string, boolean>();
    return (place) => {
      const sopClass = placeTexts(place.root, SOP_CLASS_UID, 'SOPClassUID')[0] ?? '';
      let answer = bySopClass.get(sopClass);
      if (answer === undefined) bySopClass.set(sopClass, (answer = evaluate(place)));
      return answer;
    };
  }
  const rootOnly = everyTest(
    terms,
    (test) =>
      ('where' in test && test.where === 'root') || test.fn === 'presentInPathFromRoot' || test.fn === 'sequenceInPathFromRootHasItems',
  );
  return (place) => {
    const memo = rootOnly ? place.root : place;
    const known = memo.answers?.get(name);
    if (known !== undefined) return known;
    const answer = evaluate(place);
    (memo.answers ??= new Map()).set(name, answer);
    return answer;
  };
}

function everyTest(terms: readonly Term[], accept: (test: Test) => boolean): boolean {
  return terms.every((term) => ('group' in term ? everyTest(term.group, accept) : accept(term.test)));
}

const SOP_CLASS_UID = Tag.SOPClassUID;

/** The two tests most conditions are made of, specialised; the others go through holds(). */
function compileTest(test: Test): Compiled {
  const tag = tagOf(test.el);
  if (tag === undefined) return NEVER;
  if (test.fn === 'present' && test.mask === undefined) {
    if (test.where === 'item') return (place) => place.dataset.has(tag);
    if (test.where === 'root') return (place) => place.root.dataset.has(tag);
  }
  if (test.fn === 'present' && test.where === 'item' && test.mask !== undefined) {
    const { mask } = test;
    const key = maskedTag(Number.parseInt(tag, 16), mask);
    return (place) => hasMasked(place, 'tag', key, mask);
  }
  if (test.fn === 'groupPresent') {
    const mask = test.mask ?? 0xffff;
    const group = maskedGroup(Number.parseInt(tag, 16), mask);
    return (place) => hasMasked(place, 'group', group, mask);
  }
  if (test.fn === 'string' && (test.where === 'item' || test.where === 'root')) {
    const { el, sel, value } = test;
    const fromRoot = test.where === 'root';
    return (place) => {
      const values = placeTexts(fromRoot ? place.root : place, tag, el);
      return sel < 0 ? values.includes(value) : values[sel] === value;
    };
  }
  return (place) => holds(test, place);
}

function compileTerms(terms: readonly Term[]): Compiled {
  const parts = terms.map((term) => {
    const inner: Compiled = 'group' in term ? compileTerms(term.group) : compileTest(term.test);
    const value: Compiled = term.not ? (place) => !inner(place) : inner;
    return { op: term.op, value };
  });
  return (place) => {
    let result = false;
    for (const { op, value } of parts) {
      // 'and' and 'or' short-circuit as the folded expression would give the same result.
      if (op === 'and') result = result && value(place);
      else if (op === 'or') result = result || value(place);
      else result = result !== value(place);
    }
    return result;
  };
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
      return test.mask === undefined
        ? target.dataset.has(tag)
        : hasMasked(target, 'tag', maskedTag(Number.parseInt(tag, 16), test.mask), test.mask);
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
    case 'groupPresent':
      return hasMasked(place, 'group', maskedGroup(Number.parseInt(tag, 16), test.mask ?? 0xffff), test.mask ?? 0xffff);
    case 'valuePresent': {
      const count = valueCount(place, test.el, place.dataset.get(tag));
      return test.sel >= 0 ? count > test.sel : count > 0;
    }
    case 'string': {
      const target = at(place, test.where);
      return target !== null && selected(placeTexts(target, tag, test.el), test.sel).includes(test.value);
    }
    case 'binary': {
      const target = at(place, test.where);
      if (!target) return false;
      return selected(placeNumbers(target, tag, test.el), test.sel).some((value) => compare(value, test.op, test.value));
    }
    case 'tag': {
      const values = tagValues(place, place.dataset.get(tag));
      return selected(values, test.sel).includes(test.value);
    }
    case 'items': {
      const items = place.dataset.get(tag)?.items;
      if (!items) return false;
      return test.count === 'any'
        ? items.length > 0
        : test.count === 'one'
          ? items.length === 1
          : test.count === 'two'
            ? items.length === 2
            : items.length > 1;
    }
  }
}

const NO_VALUES: readonly string[] = [];

/** The text values of an attribute of the place (none when absent), read once per place and tag. */
export function placeTexts(place: Place, tag: string, keyword: string): readonly string[] {
  const known = place.texts?.get(tag);
  if (known !== undefined) return known;
  const element = place.dataset.get(tag);
  const values = element ? readTexts(place.reader, element, keyword, place.dataset) : NO_VALUES;
  (place.texts ??= new Map()).set(tag, values);
  return values;
}

const NO_NUMBERS: readonly number[] = [];

/** The numeric values of an attribute of the place (binary or DS/IS; none when absent), read once per place and tag. */
export function placeNumbers(place: Place, tag: string, keyword: string): readonly number[] {
  const known = place.numbers?.get(tag);
  if (known !== undefined) return known;
  const element = place.dataset.get(tag);
  const values = element === undefined ? NO_NUMBERS : readNumbers(place.reader, element, keyword, place.dataset);
  (place.numbers ??= new Map()).set(tag, values);
  return values;
}

/** dicom3tools' selector: -1 any value, n the n-th (0-based). */
function selected<T>(values: readonly T[], selector: number): readonly T[] {
  if (selector < 0) return values;
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
    case '==':
      return value === target;
    case '!=':
      return value !== target;
    case '<':
      return value < target;
    case '<=':
      return value <= target;
    case '>':
      return value > target;
    default:
      return value >= target;
  }
}

/** The masked group of a tag: `mask` keeps the group's fixed bits (PS3.5 §7.6: repeating groups 60xx). */
function maskedGroup(tag: number, mask: number): number {
  return Math.floor(tag / 0x10000) & mask;
}

function maskedTag(tag: number, mask: number): number {
  return maskedGroup(tag, mask) * 0x10000 + (tag % 0x10000);
}

/**
 * Whether a tag (or group) of the place's data set, masked, is `key`. Where the mask keeps the group's high
 * byte (60xx), a data set without a group of that high byte (most: no overlay, no curve) is answered
 * without gathering its masked tags.
 */
function hasMasked(place: Place, kind: 'tag' | 'group', key: number, mask: number): boolean {
  const group = kind === 'tag' ? Math.floor(key / 0x10000) : key;
  if ((mask & 0xff00) === 0xff00 && highBytes(place)[group >> 8] === 0) return false;
  return gathered(place, kind, mask).has(key);
}

function highBytes(place: Place): Uint8Array {
  if (place.highBytes === null) {
    place.highBytes = new Uint8Array(256);
    for (const tag of place.dataset.keys()) place.highBytes[hexDigit(tag.charCodeAt(0)) * 16 + hexDigit(tag.charCodeAt(1))] = 1;
  }
  return place.highBytes;
}

/** A tag's hex digit, upper or lower case. */
function hexDigit(code: number): number {
  return code <= 0x39 ? code - 0x30 : (code | 0x20) - 0x57;
}

/** The masked tags (or groups) of the place's data set, gathered once per kind and mask. */
function gathered(place: Place, kind: 'tag' | 'group', mask: number): Set<number> {
  const name = `${kind}${mask}`;
  let keys = place.masked?.get(name);
  if (keys === undefined) {
    keys = new Set();
    const key = kind === 'tag' ? maskedTag : maskedGroup;
    for (const tag of place.dataset.keys()) keys.add(key(Number.parseInt(tag, 16), mask));
    (place.masked ??= new Map()).set(name, keys);
  }
  return keys;
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

/**
 * How many values: items, binary numbers, else text values. A DS or IS value read as numbers has as many
 * values as its text, or none and then its text is counted: the text is counted straight away.
 */
function valueCount(place: Place, keyword: string, element: DicomElement | undefined): number {
  if (!element) return 0;
  if (element.items) return element.items.length;
  const numbers = isBinaryNumber(element.vr) ? placeNumbers(place, element.tag, keyword) : NO_NUMBERS;
  if (numbers.length > 0) return numbers.length;
  return placeTexts(place, element.tag, keyword).length;
}

/** AT values (PS3.5 §6.2): pairs of 16-bit group and element numbers, as 'GGGGEEEE'. */
export function tagValues(place: Place, element: DicomElement | undefined): string[] {
  const bytes = place.reader.bytes(element);
  if (!bytes || !element) return [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const le = place.reader.littleEndian(element);
  const out: string[] = [];
  for (let offset = 0; offset + 4 <= bytes.length; offset += 4)
    out.push(hex4(view.getUint16(offset, le)) + hex4(view.getUint16(offset + 2, le)));
  return out;
}

function hex4(value: number): string {
  return value.toString(16).toUpperCase().padStart(4, '0');
}
