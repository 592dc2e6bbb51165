/**
 * Writes validator/src/domain/iod/iod-tables.generated.json from dicom3tools' templates, the tables behind
 * dciodvfy (../shared/standard/dicom3tools/libsrc/standard), so that no IOD, module, macro, condition or value
 * list is typed by hand. Usage: npm run generate:iods [-- path-to-libsrc/standard]
 *
 * Template keywords are mapped to our dictionary (common/src/dicom/dictionary.generated.ts) through their tag
 * in dicom3tools' own dictionary (elmdict/dicom3.tpl); elements our dictionary lacks are left out and listed.
 * The output is sorted and carries no timestamp: the same input always gives the same bytes.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lookupTag } from '../common/src/dicom/dictionary.ts';
import type { Term } from '../validator/src/domain/iod/table-types.ts';
import { parseConditions } from './iod-tables/parse-conditions.ts';
import { parseIods } from './iod-tables/parse-iods.ts';
import { parseModules, type ParsedModules } from './iod-tables/parse-modules.ts';
import { parseValueLists, type ValueList } from './iod-tables/parse-values.ts';
import { readTemplate } from './iod-tables/read-template.ts';
import { collectReachable } from './iod-tables/reachable.ts';
import type { GeneratedTables, IodTable } from '../validator/src/domain/iod/table-types.ts';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_SOURCE = path.resolve(projectRoot, '../shared/standard/dicom3tools/libsrc/standard');
const OUTPUT = path.join(projectRoot, 'validator/src/domain/iod/iod-tables.generated.json');
const MAX_OUTPUT_BYTES = 3 * 1024 * 1024;

function templates(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.tpl'))
    .sort()
    .map((name) => path.join(dir, name));
}

/** dicom3tools keyword -> tag, from its dictionary; then our keyword for that tag (repeating groups by their first group). */
function keywordMap(source: string): (name: string) => string | undefined {
  const ours = new Map<string, string>();
  const line = /^\(([0-9A-Fa-fx]{4}),([0-9A-Fa-fx]{4})\).*Keyword="([^"]+)"/;
  for (const text of readFileSync(path.join(source, 'elmdict/dicom3.tpl'), 'latin1').split('\n')) {
    const match = line.exec(text);
    if (!match) continue;
    const tag = `${match[1]}${match[2]}`.toUpperCase().replace(/X/g, '0');
    const entry = lookupTag(tag);
    if (entry && !ours.has(match[3]!)) ours.set(match[3]!, entry.keyword);
  }
  return (name) => ours.get(name);
}

/** sopcl.tpl and transyn.tpl name UIDs: `NameSOPClassUID`, `NameSOPInstanceUID`, `NameTransferSyntaxUID`. */
function constants(source: string): { byName: Map<string, string>; sopClasses: Map<string, string> } {
  const byName = new Map<string, string>();
  const sopClasses = new Map<string, string>();
  for (const entry of readTemplate(readFileSync(path.join(source, 'sopcl.tpl'), 'latin1'))) {
    const name = entry.fields.get('Name');
    const uid = entry.fields.get('Uid');
    if (!name || !uid) continue;
    const instance = entry.fields.get('Type') === 'Instance';
    byName.set(`${name}${instance ? 'SOPInstanceUID' : 'SOPClassUID'}`, uid);
    if (!instance) sopClasses.set(`${name}SOPClassUID`, uid);
  }
  for (const entry of readTemplate(readFileSync(path.join(source, 'transyn.tpl'), 'latin1'))) {
    const name = entry.fields.get('Name');
    const uid = entry.fields.get('Uid');
    if (name && uid) byName.set(`${name}TransferSyntaxUID`, uid);
  }
  return { byName, sopClasses };
}

/** The SOP Class UIDs an IOD's instance condition names (`Element="SOPClassUID" StringConstantFromRootAttribute=…`, not negated). */
function sopClassesOf(terms: readonly Term[]): string[] {
  return terms.flatMap((term) => {
    if ('group' in term) return term.not ? [] : sopClassesOf(term.group);
    return !term.not && term.test.fn === 'string' && term.test.el === 'SOPClassUID' ? [term.test.value] : [];
  });
}

function sorted<T>(map: ReadonlyMap<string, T>, keep: ReadonlySet<string>): Record<string, T> {
  return Object.fromEntries([...map].filter(([name]) => keep.has(name)).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** One line per notice line and per table entry, so that a new edition of the templates gives a readable diff. */
function render(tables: GeneratedTables): string {
  const section = (value: unknown): string => {
    if (Array.isArray(value)) return `[\n${value.map((line) => JSON.stringify(line)).join(',\n')}\n]`;
    if (value !== null && typeof value === 'object' && !('sha256' in value)) {
      return `{\n${Object.entries(value)
        .map(([key, entry]) => `${JSON.stringify(key)}: ${JSON.stringify(entry)}`)
        .join(',\n')}\n}`;
    }
    return JSON.stringify(value);
  };
  return `{\n${Object.entries(tables)
    .map(([key, value]) => `${JSON.stringify(key)}: ${section(value)}`)
    .join(',\n')}\n}\n`;
}

export interface Generated {
  readonly output: string;
  readonly report: readonly string[];
}

/** The generated tables' text from the templates at `source`, and what the generator has to say about them. */
export function generateIodTables(source: string = DEFAULT_SOURCE): Generated {
  const hash = createHash('sha256');
  const read = (file: string): string => {
    const bytes = readFileSync(file);
    hash.update(path.relative(source, file)).update(bytes);
    return bytes.toString('latin1');
  };
  const keyword = keywordMap(source);
  const { byName, sopClasses: sopClassNames } = constants(source);

  const values = new Map<string, ValueList>();
  for (const file of [...templates(path.join(source, 'strval')), path.join(source, 'binval.tpl'), path.join(source, 'tagval.tpl')]) {
    parseValueLists(read(file), values, path.relative(source, file));
  }
  const parsed: ParsedModules = { modules: new Map(), macros: new Map(), unknownKeywords: new Map() };
  for (const file of templates(path.join(source, 'module'))) parseModules(readTemplate(read(file)), keyword, parsed);
  const iods = new Map<string, IodTable>();
  const profiles: string[] = [];
  for (const file of templates(path.join(source, 'iodcomp'))) parseIods(readTemplate(read(file)), iods, profiles);
  const { conditions, unreadable } = parseConditions(readTemplate(read(path.join(source, 'condn.tpl'))), {
    keyword,
    constant: (name) => byName.get(name),
  });

  const reachable = collectReachable(iods, parsed, conditions, values);
  const uidNames = new Map([...sopClassNames].map(([name, uid]) => [uid, name.replace(/SOPClassUID$/, '')]));
  const sopClasses = new Map<string, { name: string; iods: string[] }>();
  for (const [name, iod] of [...iods].sort(([a], [b]) => (a < b ? -1 : 1))) {
    for (const uid of sopClassesOf(conditions.get(iod.c) ?? [])) {
      const entry = sopClasses.get(uid) ?? { name: uidNames.get(uid) ?? uid, iods: [] };
      entry.iods.push(name);
      sopClasses.set(uid, entry);
    }
  }
  const snapshotDir = path.resolve(source, '../..');
  const sourceInfo = readFileSync(path.join(snapshotDir, 'SOURCE'), 'utf8').trim().split('\n');
  const copyright = readFileSync(path.join(snapshotDir, 'COPYRIGHT'), 'utf8').trim().split('\n');
  const tables: GeneratedTables = {
    notice: [
      'GENERATED FILE, DO NOT EDIT. Run `npm run generate:iods` (scripts/generate-iods.ts).',
      "Generated from David Clunie's dicom3tools templates (libsrc/standard: iodcomp, module, condn, strval, binval, tagval, sopcl),",
      `snapshot ${sourceInfo[1] ?? ''}, commit ${sourceInfo[0] ?? ''}, under the following licence:`,
      ...copyright,
    ],
    source: {
      name: 'dicom3tools libsrc/standard',
      snapshot: sourceInfo[1] ?? '',
      commit: (sourceInfo[0] ?? '').split(' ')[0] ?? '',
      sha256: hash.digest('hex'),
    },
    sopClasses: Object.fromEntries([...sopClasses].sort(([a], [b]) => (a < b ? -1 : 1))),
    iods: sorted(iods, new Set(iods.keys())),
    modules: sorted(parsed.modules, reachable.modules),
    macros: sorted(parsed.macros, reachable.macros),
    conditions: sorted(conditions, reachable.conditions),
    values: sorted(values, reachable.values),
  };
  const output = render(tables);
  const size = Buffer.byteLength(output);
  if (size > MAX_OUTPUT_BYTES) throw new Error(`generated IOD tables are ${size} bytes, over the budget of ${MAX_OUTPUT_BYTES}`);
  const report: string[] = [];
  report.push(
    `${iods.size} IODs, ${sopClasses.size} SOP Classes, ${reachable.modules.size} modules, ${reachable.macros.size} macros, ` +
      `${reachable.conditions.size} conditions, ${reachable.values.size} value lists (${size} bytes)`,
  );
  report.push(`profile variants left out (dciodvfy applies them only with -profile): ${profiles.join(', ')}`);
  for (const missing of reachable.missing) report.push(`missing: ${missing}`);
  const unreadableUsed = [...unreadable].filter(([name]) => reachable.conditionNames.has(name));
  report.push(
    `conditions left out (never true): ${unreadableUsed.length} of those used: ${unreadableUsed.map(([n, why]) => `${n}: ${why}`).join('; ')}`,
  );
  report.push(
    `template keywords not in our dictionary (left out): ${parsed.unknownKeywords.size}: ${[...parsed.unknownKeywords.keys()].join(', ')}`,
  );
  return { output, report };
}

function main(): void {
  const { output, report } = generateIodTables(path.resolve(process.argv[2] ?? DEFAULT_SOURCE));
  writeFileSync(OUTPUT, output);
  console.log(`-> ${path.relative(projectRoot, OUTPUT)}`);
  for (const line of report) console.log(line);
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
