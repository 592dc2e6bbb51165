import iconv from 'iconv-lite';
import { decodeIso2022, DefaultDesignation, type Designation } from './charset/decode-iso2022.ts';
import { GraphicSets, type GraphicSet } from './charset/graphic-sets.ts';
import type { Vr } from './dictionary.ts';

/**
 * Decodes DICOM text with the Specific Character Set (0008,0005), PS3.3 §C.12.1.1.2 and PS3.5 §6.1.
 * ISO 8859, JIS X 0201 and TIS 620 terms, with or without ISO 2022 code extensions, go through one ISO 2022
 * decoder (./charset/decode-iso2022.ts); UTF-8, GB18030 and GBK are read whole, as they allow no extensions.
 */

/** What an ISO_IR or ISO 2022 IR Defined Term designates, by ISO-IR number (PS3.3 Tables C.12-2 to C.12-4). */
const IsoIrTerms: Readonly<Record<string, { g0?: GraphicSet; g1?: GraphicSet }>> = Object.freeze({
  '6': {},
  '100': { g1: GraphicSets.IsoIr100 },
  '101': { g1: GraphicSets.IsoIr101 },
  '109': { g1: GraphicSets.IsoIr109 },
  '110': { g1: GraphicSets.IsoIr110 },
  '144': { g1: GraphicSets.IsoIr144 },
  '127': { g1: GraphicSets.IsoIr127 },
  '126': { g1: GraphicSets.IsoIr126 },
  '138': { g1: GraphicSets.IsoIr138 },
  '148': { g1: GraphicSets.IsoIr148 },
  '203': { g1: GraphicSets.IsoIr203 },
  '166': { g1: GraphicSets.IsoIr166 },
  // JIS X 0201 brings both halves: romaji (ISO-IR 14) as G0 and katakana (ISO-IR 13) as G1.
  '13': { g0: GraphicSets.IsoIr14, g1: GraphicSets.IsoIr13 },
  '87': { g0: GraphicSets.IsoIr87 },
  '159': { g0: GraphicSets.IsoIr159 },
  '149': { g1: GraphicSets.IsoIr149 },
  '58': { g1: GraphicSets.IsoIr58 },
});

/** PS3.3 Table C.12-5: multi-byte sets without code extensions. */
const StandAloneTerms: Readonly<Record<string, string>> = Object.freeze({
  'ISO_IR 192': 'utf8',
  GB18030: 'gb18030',
  GBK: 'gbk',
});

/**
 * PS3.5 §6.1.2.2: only these VRs may leave the default repertoire; every other string VR is ISO-IR 6 whatever
 * (0008,0005) says.
 */
const CustomisableVrs: ReadonlySet<string> = new Set(['SH', 'LO', 'UC', 'ST', 'LT', 'UT', 'PN']);

/**
 * PS3.5 §6.1.2.5.3: value 1's designation is back in force before each delimiter. The value delimiter 5CH does
 * not delimit in ST, LT and UT (single-valued, where 5CH is an ordinary character, PS3.5 Table 6.2-1); PN adds
 * '^' and '=' between components and component groups. Controls other than ESC are handled by the decoder.
 */
const Delimiters = Object.freeze({
  Text: new Set([0x5c]) as ReadonlySet<number>,
  SingleValuedText: new Set<number>() as ReadonlySet<number>,
  PersonName: new Set([0x5c, 0x5e, 0x3d]) as ReadonlySet<number>,
});

type Plan =
  | { readonly kind: 'stand-alone'; readonly label: string }
  | { readonly kind: 'iso2022'; readonly initial: Designation; readonly codeExtensions: boolean };

type ParsedTerm =
  | { readonly kind: 'stand-alone'; readonly label: string }
  | { readonly kind: 'iso-ir'; readonly g0: GraphicSet; readonly g1: GraphicSet; readonly codeExtension: boolean }
  | { readonly kind: 'unknown' };

const DefaultPlan: Plan = Object.freeze({ kind: 'iso2022', initial: DefaultDesignation, codeExtensions: false });

export interface DecodeTextOptions {
  /**
   * Chooses the delimiters that end a code extension and whether (0008,0005) applies at all. Without it the
   * value is treated like LO: character set applied, '\' a delimiter, '^' and '=' ordinary characters.
   */
  readonly vr?: Vr | undefined;
}

export function normaliseCharacterSets(value: string | undefined): string[] {
  if (!value) return [''];
  return value.split('\\').map((term) => term.replace(/^[\s\0]+|[\s\0]+$/g, ''));
}

/**
 * PS3.5 §7.5.3: a Sequence Item without its own Specific Character Set inherits the enclosing Data Set's; one
 * with it (even empty, meaning the default repertoire) replaces it. `own` is the item's raw (0008,0005) value.
 */
export function inheritCharacterSets(inherited: readonly string[], own: string | undefined): readonly string[] {
  return own === undefined ? inherited : normaliseCharacterSets(own);
}

/**
 * Decodes one element value. Never throws: unknown terms fall back to the default repertoire (stray bytes above
 * 7FH shown as Latin-1), and bytes no set can read become U+FFFD, so a validator can still report on the value.
 */
export function decodeText(bytes: Uint8Array, characterSets: readonly string[], options: DecodeTextOptions = {}): string {
  return decodeTextAt(bytes, 0, bytes.length, characterSets, options.vr);
}

/**
 * decodeText of bytes[start, end), read where it lies: a header's values are decoded one by one, and cutting
 * each out first would cost two views per value.
 */
export function decodeTextAt(bytes: Uint8Array, start: number, end: number, characterSets: readonly string[], vr?: Vr): string {
  const plan = vr !== undefined && !CustomisableVrs.has(vr) ? DefaultPlan : planOf(characterSets);
  if (plan.kind === 'iso2022' && !plan.codeExtensions && isAscii(bytes, start, end)) return latin1(bytes, start, end);
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start);
  if (plan.kind === 'stand-alone') return iconv.decode(buffer, plan.label, { stripBOM: false });
  return decodeIso2022(buffer, plan.initial, { codeExtensions: plan.codeExtensions, delimiters: delimitersFor(vr) });
}

function isAscii(bytes: Uint8Array, start: number, end: number): boolean {
  for (let index = start; index < end; index++) if (bytes[index]! >= 0x80) return false;
  return true;
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  return (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)).toString('latin1', start, end);
}

const PLANS = new WeakMap<readonly string[], Plan>();

/**
 * A frozen list (ElementReader's) is planned once, not once per value it decodes; any other list every time,
 * as it may change between calls.
 */
function planOf(characterSets: readonly string[]): Plan {
  if (!Object.isFrozen(characterSets)) return planFor(characterSets);
  let plan = PLANS.get(characterSets);
  if (plan === undefined) PLANS.set(characterSets, (plan = planFor(characterSets)));
  return plan;
}

function delimitersFor(vr: Vr | undefined): ReadonlySet<number> {
  if (vr === 'PN') return Delimiters.PersonName;
  if (vr === 'ST' || vr === 'LT' || vr === 'UT') return Delimiters.SingleValuedText;
  return Delimiters.Text;
}

/**
 * PS3.5 §6.1.2.5.4: a single value is an 8-bit code without extensions (b), several values are ISO 2022 with
 * value 1 as the initial designation (c), and UTF-8, GB18030 or GBK as value 1 rule out extensions, so any
 * further values are ignored (d). A lone 'ISO 2022 IR …' term is taken to allow escapes, as pydicom and
 * dicom-character-set do, since that prefix exists only to announce them (PS3.3 §C.12.1.1.2).
 */
function planFor(characterSets: readonly string[]): Plan {
  const first = parseTerm(characterSets[0] ?? '');
  if (first.kind === 'stand-alone') return first;
  if (first.kind === 'unknown') return { kind: 'iso2022', initial: DefaultDesignation, codeExtensions: characterSets.length > 1 };
  return {
    kind: 'iso2022',
    initial: { g0: first.g0, g1: first.g1 },
    codeExtensions: characterSets.length > 1 || first.codeExtension,
  };
}

/**
 * Reads one Defined Term by its IR number, so spellings seen in the wild ('ISO IR 100', 'ISO-IR 144',
 * 'ISO_2022-IR 100', which pydicom also accepts) and 'ISO_IR 13' as value 1 of a multi-valued set (dcm4che
 * issue #869) still read. An empty value 1 is the default repertoire (PS3.5 §6.1.2.5.4 c).
 */
function parseTerm(raw: string): ParsedTerm {
  const term = raw.trim().toUpperCase();
  if (term === '') return { kind: 'iso-ir', g0: DefaultDesignation.g0, g1: DefaultDesignation.g1, codeExtension: false };
  const standAlone = StandAloneTerms[term];
  if (standAlone !== undefined) return { kind: 'stand-alone', label: standAlone };
  const match = /^ISO[ _-]?(2022[ _-]?)?IR[ _-]?\+?(\d+)$/.exec(term);
  if (match === null) return { kind: 'unknown' };
  const number = match[2]!;
  if (number === '192') return { kind: 'stand-alone', label: 'utf8' };
  const sets = IsoIrTerms[number];
  if (sets === undefined) return { kind: 'unknown' };
  return {
    kind: 'iso-ir',
    // Multi-byte sets are only ever invoked by escape sequences (Table C.12-4 is for values 2 to n), so a
    // misplaced multi-byte value 1 still starts in ASCII rather than reading ASCII bytes as kanji.
    g0: sets.g0 !== undefined && sets.g0.bytesPerCharacter === 1 ? sets.g0 : GraphicSets.IsoIr6,
    g1: sets.g1 ?? GraphicSets.Undefined,
    codeExtension: match[1] !== undefined,
  };
}
