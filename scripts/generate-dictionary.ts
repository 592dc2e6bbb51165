/**
 * Writes common/src/dicom/dictionary.generated.ts from DCMTK's data dictionary (dicom.dic), so no DICOM tag
 * is ever typed by hand. Usage: npx tsx scripts/generate-dictionary.ts [path-to-dicom.dic]
 *
 * dicom.dic rows are `(gggg,eeee)<TAB>VR<TAB>Keyword<TAB>VM<TAB>Version`. The output is sorted and carries no
 * timestamp, so the same input always gives the same bytes.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VRS } from '../common/src/dicom/vrs.ts';

const DEFAULT_SOURCE = '/usr/share/libdcmtk17/dicom.dic';
const OUTPUT = fileURLToPath(new URL('../common/src/dicom/dictionary.generated.ts', import.meta.url));
const MAX_OUTPUT_BYTES = 1024 * 1024;

const STANDARD_VRS: ReadonlySet<string> = new Set(VRS);

/**
 * DCMTK's pseudo VRs. The first VR is what an Implicit VR reader should assume: PS3.5 §A.1 makes Pixel Data,
 * Overlay Data and Waveform Data OW there; US/SS follows Pixel Representation, which a dictionary cannot know,
 * so the unsigned (and commoner) reading comes first. Items and delimiters have no VR at all (PS3.5 §7.5).
 */
const PSEUDO_VRS: Readonly<Record<string, readonly string[]>> = {
  xs: ['US', 'SS'],
  ox: ['OW', 'OB'],
  px: ['OW', 'OB'],
  lt: ['US', 'SS', 'OW'],
  up: ['UL'],
  na: [],
};

/**
 * dicom.dic writes 50xx/60xx as 5000-50FF/6000-60FF; PS3.5 §7.6 allows only the even groups up to 501E/601E.
 * Anything above is an unknown (not an overlay) element.
 */
const REPEATING_GROUP_LAST: Readonly<Record<number, number>> = { 0x5000: 0x501e, 0x6000: 0x601e };

/** A group or element number range: every `step`-th number from first to last. */
interface Span {
  first: number;
  last: number;
  step: 1 | 2;
}

interface Row {
  groups: Span;
  elements: Span;
  keyword: string;
  vrs: readonly string[];
  vm: string;
  retired: boolean;
}

interface Parsed {
  rows: Row[];
  skipped: Map<string, number>;
  edition: string;
}

function parseDictionary(text: string): Parsed {
  const rows: Row[] = [];
  const skipped = new Map<string, number>();
  const edition = /Generated automatically from (DICOM PS ?3\.6-\d{4}[a-z])/.exec(text)?.[1] ?? 'unknown edition';
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '' || line.startsWith('#')) return;
    const fields = line.split('\t');
    if (fields.length !== 5) throw new Error(`line ${index + 1}: expected 5 tab-separated fields, got ${fields.length}`);
    const [tag, vr, keyword, vm, version] = fields as [string, string, string, string, string];
    // Private dictionaries name their creator inside the tag, e.g. (0019,"GEMS_ACQU_01",10); PRIVATE, ILLEGAL and
    // GENERIC rows are DCMTK's catch-alls for private and group-length elements, which dictionary.ts handles.
    if (tag.includes('"') || !version.startsWith('DICOM')) {
      skipped.set(version, (skipped.get(version) ?? 0) + 1);
      return;
    }
    rows.push(parseRow(tag, vr, keyword, vm, version, index + 1));
  });
  return { rows, skipped, edition };
}

function parseRow(tag: string, vr: string, keyword: string, vm: string, version: string, line: number): Row {
  const match = /^\(([0-9A-F]{4}(?:-(?:[ou]-)?[0-9A-F]{4})?),([0-9A-F]{4}(?:-(?:[ou]-)?[0-9A-F]{4})?)\)$/i.exec(tag);
  if (!match) throw new Error(`line ${line}: unreadable tag ${tag}`);
  const groups = parseSpan(match[1]!, 'group', line);
  const repeatingLast = REPEATING_GROUP_LAST[groups.first];
  if (repeatingLast !== undefined && groups.last > groups.first) groups.last = repeatingLast;
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(keyword)) throw new Error(`line ${line}: unusable keyword ${keyword}`);
  if (!/^\d+(-\d*n|-\d+)?$/.test(vm)) throw new Error(`line ${line}: unreadable VM ${vm}`);
  return {
    groups,
    elements: parseSpan(match[2]!, 'element', line),
    // DCMTK prefixes retired keywords; PS3.6 does not, and the retired flag already says it.
    keyword: keyword.replace(/^RETIRED_/, ''),
    vrs: toVrs(vr, line),
    vm,
    retired: version === 'DICOM/retired',
  };
}

/**
 * dicom.dic: `6000-60FF` means even numbers only, `-o-` odd only, `-u-` all. That even default suits repeating
 * groups (PS3.5 §7.6) but not element ranges: PS3.6 §5 says an x in (0020,31xx) stands for every digit 0-F.
 */
function parseSpan(text: string, part: 'group' | 'element', line: number): Span {
  const [low, restriction, high] = text.includes('-') ? splitRange(text) : [text, '', text];
  const first = Number.parseInt(low, 16);
  const last = Number.parseInt(high, 16);
  const everyNumber = restriction === 'u' || (restriction === '' && part === 'element');
  const step = everyNumber || first === last ? 1 : 2;
  const parityOk = step === 1 || first % 2 === (restriction === 'o' ? 1 : 0);
  if (last < first || !parityOk) throw new Error(`line ${line}: inconsistent range ${text}`);
  return { first, last, step };
}

function splitRange(text: string): [string, string, string] {
  const parts = text.split('-');
  return parts.length === 3 ? [parts[0]!, parts[1]!.toLowerCase(), parts[2]!] : [parts[0]!, '', parts[1]!];
}

function toVrs(vr: string, line: number): readonly string[] {
  if (STANDARD_VRS.has(vr)) return [vr];
  const pseudo = PSEUDO_VRS[vr];
  if (!pseudo) throw new Error(`line ${line}: unknown VR ${vr}`);
  return pseudo;
}

function checkUnique(rows: readonly Row[]): void {
  const seen = new Map<string, string>();
  for (const row of rows) {
    for (const key of [`keyword ${row.keyword}`, `tag ${firstTag(row)}`]) {
      const previous = seen.get(key);
      if (previous !== undefined) throw new Error(`duplicate ${key} (${previous} and ${row.keyword})`);
      seen.set(key, row.keyword);
    }
  }
}

const hex4 = (value: number): string => value.toString(16).toUpperCase().padStart(4, '0');
const firstTag = (row: Row): string => hex4(row.groups.first) + hex4(row.elements.first);
const isRange = (row: Row): boolean => row.groups.first !== row.groups.last || row.elements.first !== row.elements.last;
const quote = (value: string): string => `'${value}'`;
const renderVrs = (vrs: readonly string[]): string => `[${vrs.map(quote).join(', ')}]`;
const renderSpan = (span: Span): string => `[0x${hex4(span.first)}, 0x${hex4(span.last)}, ${span.step}]`;

function render(rows: readonly Row[], source: string, sha256: string, edition: string): string {
  const sorted = [...rows].sort((a, b) => (firstTag(a) < firstTag(b) ? -1 : 1));
  const fixed = sorted.filter((row) => !isRange(row));
  const ranges = sorted.filter(isRange);
  return [
    `// GENERATED FILE, DO NOT EDIT. Run \`npm run generate:dictionary\` (scripts/generate-dictionary.ts).`,
    `// Source: ${source} (DCMTK data dictionary, ${edition}), sha256 ${sha256}.`,
    `// ${fixed.length} single-tag entries and ${ranges.length} repeating-group/range entries; keywords as in PS3.6.`,
    `import type { Vr } from './dictionary.ts';`,
    '',
    `/** Every number from first to last, going up by step. */`,
    'export type Span = readonly [first: number, last: number, step: 1 | 2];',
    `/** VRs: the first one is what an Implicit VR reader should assume; empty for items and delimiters. */`,
    'export type FixedRow = readonly [tag: string, keyword: string, vrs: readonly Vr[], vm: string, retired: boolean];',
    'export type RangeRow = readonly [groups: Span, elements: Span, keyword: string, vrs: readonly Vr[], vm: string, retired: boolean];',
    '',
    `/** Keyword -> tag. A repeating-group keyword names its first group (OverlayData -> 60003000). */`,
    'export const Tag = {',
    ...sorted.map((row) => `  ${row.keyword}: '${firstTag(row)}',`),
    '} as const;',
    '',
    'export const FIXED_ROWS: readonly FixedRow[] = [',
    ...fixed.map((row) => `  ['${firstTag(row)}', '${row.keyword}', ${renderVrs(row.vrs)}, '${row.vm}', ${row.retired}],`),
    '];',
    '',
    'export const RANGE_ROWS: readonly RangeRow[] = [',
    ...ranges.map(
      (row) =>
        `  [${renderSpan(row.groups)}, ${renderSpan(row.elements)}, '${row.keyword}', ${renderVrs(row.vrs)}, '${row.vm}', ${row.retired}],`,
    ),
    '];',
    '',
  ].join('\n');
}

function main(): void {
  const sourcePath = resolve(process.argv[2] ?? DEFAULT_SOURCE);
  const bytes = readFileSync(sourcePath);
  const { rows, skipped, edition } = parseDictionary(bytes.toString('latin1'));
  checkUnique(rows);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const output = render(rows, sourcePath, sha256, edition);
  const size = Buffer.byteLength(output);
  if (size > MAX_OUTPUT_BYTES) throw new Error(`generated dictionary is ${size} bytes, over the 1 MiB budget`);
  writeFileSync(OUTPUT, output);
  const skippedText = [...skipped].map(([version, count]) => `${count} ${version}`).join(', ') || 'none';
  console.log(`${basename(sourcePath)}: ${rows.length} entries (${rows.filter((row) => row.retired).length} retired) -> ${OUTPUT}`);
  console.log(`skipped: ${skippedText}; ${size} bytes`);
}

main();
