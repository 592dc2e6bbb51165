import { decodeTextAt, inheritCharacterSets, normaliseCharacterSets } from './character-set.ts';
import { Tag, type TagKeyword } from './dictionary.ts';
import { UNDEFINED_LENGTH, type DicomDataSet, type DicomElement, type DicomItem, type ParsedDicom } from './model.ts';

/**
 * The data set's own Specific Character Set, read once per parsed header: every check makes its own reader,
 * and each would read and split (0008,0005) again. Frozen, so the decoder may plan for it once too.
 */
const DATASET_CHARACTER_SETS = new WeakMap<ParsedDicom, readonly string[]>();

/** PS3.5 Table 6.2-1: bytes per value of the binary number VRs ElementReader.numbers reads. */
const BINARY_NUMBER_SIZE: Readonly<Record<string, number>> = { US: 2, SS: 2, UL: 4, SL: 4, FL: 4, FD: 8 };
const VIEWS = new WeakMap<Uint8Array, DataView>();

function headerView(bytes: Uint8Array): DataView {
  let view = VIEWS.get(bytes);
  if (view === undefined) VIEWS.set(bytes, (view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length)));
  return view;
}

function readBinaryNumber(view: DataView, vr: string, offset: number, le: boolean): number {
  switch (vr) {
    case 'US':
      return view.getUint16(offset, le);
    case 'SS':
      return view.getInt16(offset, le);
    case 'UL':
      return view.getUint32(offset, le);
    case 'SL':
      return view.getInt32(offset, le);
    case 'FL':
      return view.getFloat32(offset, le);
    default:
      return view.getFloat64(offset, le);
  }
}

const NUL = 0x00;
const SPACE = 0x20;

/** Reads element values out of a parsed header. Values are read on demand, never all at once. */
export class ElementReader {
  readonly characterSets: readonly string[];

  constructor(
    readonly parsed: ParsedDicom,
    characterSets?: readonly string[],
  ) {
    this.characterSets = characterSets ?? this.datasetCharacterSets();
  }

  /**
   * A reader for a sequence item: an item may declare its own Specific Character Set, else it inherits
   * the enclosing one (PS3.5 §7.5.3). Read the item's values through it.
   */
  forItem(item: DicomItem): ElementReader {
    const own = item.get(Tag.SpecificCharacterSet);
    if (!own) return this;
    return new ElementReader(this.parsed, Object.freeze(inheritCharacterSets(this.characterSets, this.rawString(own) ?? '')));
  }

  private datasetCharacterSets(): readonly string[] {
    let sets = DATASET_CHARACTER_SETS.get(this.parsed);
    if (sets === undefined) {
      sets = Object.freeze(normaliseCharacterSets(this.rawString(this.parsed.dataset.get(Tag.SpecificCharacterSet))));
      DATASET_CHARACTER_SETS.set(this.parsed, sets);
    }
    return sets;
  }

  /** The byte order of an element's value: the file meta's (little endian), the data set's, or its item's own. */
  littleEndian(element: DicomElement): boolean {
    return element.littleEndian ?? (element.tag.startsWith('0002') || this.parsed.littleEndian);
  }

  /** Where the value's bytes end in the header; -1 when the element is absent, undefined-length, or not in the header. */
  private valueEnd(element: DicomElement | undefined): number {
    if (!element || element.length === UNDEFINED_LENGTH) return -1;
    const end = element.offset + element.length;
    return end > this.parsed.bytes.length ? -1 : end;
  }

  /** The value's bytes, or null when the element is absent, undefined-length, or not in the header. */
  bytes(element: DicomElement | undefined): Uint8Array | null {
    const end = this.valueEnd(element);
    return end < 0 ? null : this.parsed.bytes.subarray(element!.offset, end);
  }

  /** Text decoded with the file's character set, padding kept (validators need to see it). */
  rawText(element: DicomElement | undefined): string | null {
    const end = this.valueEnd(element);
    return end < 0 ? null : decodeTextAt(this.parsed.bytes, element!.offset, end, this.characterSets, element!.vr);
  }

  /** Text with the trailing NUL/space padding removed; undefined when absent or empty. */
  text(keyword: TagKeyword, dataset: DicomDataSet = this.parsed.dataset): string | undefined {
    const raw = this.rawText(dataset.get(Tag[keyword]));
    if (raw === null) return undefined;
    let end = raw.length;
    while (end > 0 && (raw.charCodeAt(end - 1) === NUL || raw.charCodeAt(end - 1) === SPACE)) end--;
    let start = 0;
    while (start < end && raw.charCodeAt(start) === SPACE) start++;
    return start === end ? undefined : raw.slice(start, end);
  }

  /** Multi-valued text split on backslash, each value trimmed. */
  texts(keyword: TagKeyword, dataset: DicomDataSet = this.parsed.dataset): string[] {
    const value = this.text(keyword, dataset);
    return value === undefined ? [] : value.split('\\').map((part) => part.trim());
  }

  /** Numbers from a DS/IS string or a binary US/SS/UL/SL/FL/FD value. */
  numbers(keyword: TagKeyword, dataset: DicomDataSet = this.parsed.dataset): number[] {
    const element = dataset.get(Tag[keyword]);
    const end = this.valueEnd(element);
    if (end < 0) return [];
    const vr = element!.vr;
    const size = vr === undefined ? undefined : BINARY_NUMBER_SIZE[vr];
    if (size === undefined) {
      const values = this.texts(keyword, dataset).map(Number);
      return values.every((value) => Number.isFinite(value)) ? values : [];
    }
    // Read in place through one view of the header, not a view per value.
    const view = headerView(this.parsed.bytes);
    const le = this.littleEndian(element!);
    const out: number[] = [];
    for (let offset = element!.offset; offset + size <= end; offset += size) out.push(readBinaryNumber(view, vr!, offset, le));
    return out;
  }

  number(keyword: TagKeyword, dataset: DicomDataSet = this.parsed.dataset): number | undefined {
    return this.numbers(keyword, dataset)[0];
  }

  has(keyword: TagKeyword, dataset: DicomDataSet = this.parsed.dataset): boolean {
    return dataset.has(Tag[keyword]);
  }

  private rawString(element: DicomElement | undefined): string | undefined {
    const bytes = this.bytes(element);
    return bytes === null
      ? undefined
      : Buffer.from(bytes)
          .toString('latin1')
          .replace(/[\0 ]+$/, '');
  }
}
