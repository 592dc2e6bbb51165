import {
  ElementReader,
  formatTag,
  isPrivateTag,
  lookupTag,
  UNDEFINED_LENGTH,
  type DicomDataSet,
  type DicomElement,
  type DictionaryEntry,
  type Finding,
  type Inspection,
} from '@dsv/common';
import {
  checkBinaryLength,
  checkMultiplicity,
  checkTextValue,
  countValues,
  type BinaryVr,
  type TextVr,
  type ValueProblem,
} from './vr/check-value.ts';
import { makeFinding } from './make-finding.ts';

/** The character-string VRs of PS3.5 Table 6.2-1. */
const TEXT_VRS: ReadonlySet<string> = new Set<TextVr>([
  'AE',
  'AS',
  'CS',
  'DA',
  'DS',
  'DT',
  'IS',
  'LO',
  'LT',
  'PN',
  'SH',
  'ST',
  'TM',
  'UC',
  'UI',
  'UR',
  'UT',
]);
/** Fixed-size binary VRs; the O* byte streams and UN are bulk data and are not read. */
const FIXED_BINARY_VRS: ReadonlySet<string> = new Set<BinaryVr>(['AT', 'FL', 'FD', 'SL', 'SS', 'SV', 'UL', 'US', 'UV']);

/**
 * Every standard element of the header against its VR (PS3.5 §6.2) and the dictionary's VM (PS3.5 §6.4),
 * items included. Private elements are skipped: their VR and VM are their creator's business.
 */
export function checkValues(inspection: Inspection): Finding[] {
  const parsed = inspection.parsed;
  if (!parsed) return [];
  const collector = new FindingCollector();
  const reader = new ElementReader(parsed);
  walk(parsed.meta, '', reader, collector);
  walk(parsed.dataset, '', reader, collector);
  return collector.findings();
}

function walk(dataset: DicomDataSet, prefix: string, reader: ElementReader, out: FindingCollector): void {
  for (const element of dataset.values()) {
    if (isPrivateTag(element.tag)) continue;
    // Looked up once: the element's name and VM both come from its entry.
    const entry = lookupTag(element.tag);
    const name = entry?.keyword ?? formatTag(element.tag);
    if (element.items) {
      // PS3.5 §7.5.3: an item may declare its own Specific Character Set.
      element.items.forEach((item, index) => walk(item, `${prefix}${name}[${index}].`, reader.forItem(item), out));
      continue;
    }
    checkElement(element, entry, prefix === '' ? undefined : `${prefix}${name}`, name, reader, out);
  }
}

function checkElement(
  element: DicomElement,
  entry: DictionaryEntry | undefined,
  path: string | undefined,
  name: string,
  reader: ElementReader,
  out: FindingCollector,
): void {
  const vr = element.vr;
  if (vr === undefined || element.length === UNDEFINED_LENGTH) return;
  const place = new Place(element.tag, path);
  const shown = path ?? name;
  let raw: string | null = null;
  if (TEXT_VRS.has(vr)) {
    raw = reader.rawText(element);
    // The value lies beyond the bytes read (a cut header): integrity findings cover it.
    if (raw === null) return;
    for (const problem of checkTextValue(vr as TextVr, raw))
      out.add(problem.rule === 'padding-nul' ? 'nul-padding' : 'bad-vr', shown, problem, place);
    if (vr === 'UI' && holdsPathCharacters(raw, entry?.vm)) {
      out.add(
        'path-traversal',
        shown,
        { rule: 'ui-path-characters', message: "holds '/', '\\' or '..', which could walk a file path" },
        place,
      );
    }
  } else if (FIXED_BINARY_VRS.has(vr)) {
    for (const problem of checkBinaryLength(vr as BinaryVr, element.length)) out.add('bad-vr', shown, problem, place);
  } else {
    return;
  }
  const vm = entry?.vm;
  if (vm === undefined) return;
  for (const problem of checkMultiplicity(vm, countValues(vr, raw, element.length))) out.add('bad-vm', shown, problem, place);
}

/** Where a finding points; its `{ tag, path? }` is spelled out only for a finding, most elements having none. */
class Place {
  constructor(
    readonly tag: string,
    readonly path: string | undefined,
  ) {}

  spelled(): { tag: string; path?: string } {
    return this.path === undefined ? { tag: this.tag } : { tag: this.tag, path: this.path };
  }
}

/** A backslash separates values (PS3.5 §6.4), so it is a path character only where the VM is 1. */
function holdsPathCharacters(raw: string, vm: string | undefined): boolean {
  return raw.includes('/') || raw.includes('..') || (vm === '1' && raw.includes('\\'));
}

/**
 * One finding per code, tag and rule in a file: a bad value repeated in 2,000 per-frame items is one
 * problem, reported once with a count, not 2,000 lines.
 */
class FindingCollector {
  private readonly byKey = new Map<string, { finding: Finding; more: number }>();

  add(code: 'bad-vr' | 'bad-vm' | 'path-traversal' | 'nul-padding', name: string, problem: ValueProblem, place: Place): void {
    const key = `${code}|${place.tag}|${problem.rule}`;
    const seen = this.byKey.get(key);
    if (seen) {
      seen.more += 1;
      return;
    }
    this.byKey.set(key, { finding: makeFinding(code, `${name}: ${problem.message} [${problem.rule}]`, place.spelled()), more: 0 });
  }

  findings(): Finding[] {
    return [...this.byKey.values()].map(({ finding, more }) =>
      more === 0 ? finding : { ...finding, message: `${finding.message} (and ${more} more like it elsewhere in the file)` },
    );
  }
}
