import { ElementReader, Tag, type DicomDataSet, type Finding, type FindingCode, type Inspection, type Severity } from '@dsv/common';
import { isEmptyValue } from '../is-empty-value.ts';
import { makeFinding } from '../make-finding.ts';
import { conditionHolds, conditionText, type ConditionContext } from './conditions.ts';
import { IODS_BY_SOP_CLASS } from './iods.ts';
import { MODULES, type ModuleName } from './modules.ts';
import type { AttributeRule, IodDefinition, ModuleDefinition } from './types.ts';

export interface IodRules {
  readonly enabled: boolean;
  /** Severity of every missing/empty finding of the table (config iod.severity). */
  readonly severity: Severity;
}

/**
 * PS3.10 §7.1: the File Meta Information every Part 10 file carries, whatever its SOP Class. The Media
 * Storage SOP Class/Instance UIDs and the Transfer Syntax UID are the format check's.
 */
const FILE_META: ModuleDefinition = {
  name: 'File Meta Information', section: 'PS3.10 §7.1', attributes: [
    { keyword: 'FileMetaInformationGroupLength', type: '1' },
    { keyword: 'FileMetaInformationVersion', type: '1' },
    { keyword: 'ImplementationClassUID', type: '1' },
  ],
};

/** Stronger first: where two modules list one attribute (InstanceNumber Type 2 and Type 1), the stronger finding stays. */
const STRENGTH: readonly FindingCode[] = ['missing-type1', 'empty-type1', 'missing-type1c', 'missing-type2', 'missing-type2c'];

interface Scope {
  readonly iod: IodDefinition;
  readonly module: ModuleDefinition;
  readonly sopClassUID: string;
  readonly root: DicomDataSet;
  readonly hasPixelData: boolean;
  readonly severity: Severity;
}

/**
 * The file against the IOD of its SOP Class (iods.ts): every module the IOD requires, each attribute's Type
 * (PS3.5 §7.4), and the Type 1 and 2 attributes inside the items of the sequences that are sent. `skipTags`
 * are top-level tags another check already reported (the configured required attributes, the pixel
 * description): one problem, one finding.
 */
export function checkIod(inspection: Inspection, rules: IodRules, skipTags: ReadonlySet<string> = new Set()): Finding[] {
  const parsed = inspection.parsed;
  if (!rules.enabled || !parsed) return [];
  const reader = new ElementReader(parsed);
  const sopClassUID = reader.text('SOPClassUID') ?? '';
  const entry = IODS_BY_SOP_CLASS.get(sopClassUID);
  const iod: IodDefinition<ModuleName> = entry?.iod ?? { name: 'Part 10 file', section: '', modules: [] };
  const hasPixelData = inspection.pixelData !== null || parsed.dataset.has(Tag.PixelData);
  const collector = new Collector();
  const base = { iod, sopClassUID, root: parsed.dataset, hasPixelData, severity: rules.severity };
  checkAttributes(FILE_META.attributes, parsed.meta, reader, '', { ...base, module: FILE_META }, collector);
  // An absent SOP Class UID is the required-attribute check's finding.
  if (!entry && sopClassUID !== '') {
    collector.add(makeFinding('unknown-sop-class',
      `SOP Class UID ${sopClassUID} is not in this validator's IOD table (validator/src/domain/iod/): its modules were not checked, only the generic rules (format, integrity, required attributes, values)`,
      { tag: Tag.SOPClassUID }));
  }
  for (const use of iod.modules) {
    const module: ModuleDefinition = MODULES[use.module];
    const scope: Scope = { ...base, module };
    if (use.usage === 'C') {
      if (use.when === undefined || !conditionHolds(use.when, context(scope, reader, parsed.dataset, 'SOPClassUID'))) continue;
    }
    checkAttributes(module.attributes, parsed.dataset, reader, '', scope, collector);
  }
  return collector.findings().filter((finding) => finding.path !== undefined || !skipTags.has(tagOf(finding)));
}

function context(scope: Scope, reader: ElementReader, dataset: DicomDataSet, keyword: AttributeRule['keyword']): ConditionContext {
  return { reader, dataset, root: scope.root, sopClassUID: scope.sopClassUID, iod: scope.iod, hasPixelData: scope.hasPixelData, keyword };
}

function checkAttributes(rules: readonly AttributeRule[], dataset: DicomDataSet, reader: ElementReader, prefix: string, scope: Scope, out: Collector): void {
  for (const rule of rules) {
    const tag = Tag[rule.keyword];
    const element = dataset.get(tag);
    const conditional = rule.type === '1C' || rule.type === '2C';
    const required = !conditional || (rule.when !== undefined && conditionHolds(rule.when, context(scope, reader, dataset, rule.keyword)));
    if (!element) {
      if (required && rule.type !== '3') out.add(missingFinding(rule, prefix, scope));
      continue;
    }
    if (required && (rule.type === '1' || rule.type === '1C') && isEmptyValue(reader, element)) {
      out.add(placed('empty-type1', `Type ${rule.type} attribute ${name(rule, prefix)} is present but has no value${because(rule)}`, rule, prefix, scope));
    }
    if (rule.values) checkValue(rule, rule.values, dataset, reader, prefix, scope, out);
    if (!rule.items || !element.items) continue;
    element.items.forEach((item, index) => {
      checkAttributes(rule.items ?? [], item, reader.forItem(item), `${prefix}${rule.keyword}[${index}].`, scope, out);
    });
  }
}

/** PS3.3 §5.3: an attribute with Enumerated Values holds one of them; empty is the Type's business. */
function checkValue(rule: AttributeRule, values: readonly (string | number)[], dataset: DicomDataSet, reader: ElementReader, prefix: string, scope: Scope, out: Collector): void {
  const numeric = values.every((value) => typeof value === 'number');
  const value = numeric ? reader.number(rule.keyword, dataset) : reader.text(rule.keyword, dataset);
  if (value === undefined || values.includes(value)) return;
  out.add(placed('bad-enum', `${name(rule, prefix)} ${JSON.stringify(value)} is not one of its Enumerated Values here (${values.join(', ')})`, rule, prefix, scope));
}

function missingFinding(rule: AttributeRule, prefix: string, scope: Scope): Finding {
  const code: FindingCode = rule.type === '1' ? 'missing-type1' : rule.type === '1C' ? 'missing-type1c' : rule.type === '2' ? 'missing-type2' : 'missing-type2c';
  const mayBeEmpty = rule.type === '2' || rule.type === '2C' ? ' (it may be empty, not absent)' : '';
  return placed(code, `Type ${rule.type} attribute ${name(rule, prefix)} is absent${mayBeEmpty}${because(rule)}`, rule, prefix, scope);
}

function placed(code: FindingCode, message: string, rule: AttributeRule, prefix: string, scope: Scope): Finding {
  const where = scope.module === FILE_META
    ? ` (${FILE_META.name}, ${FILE_META.section})`
    : ` (${scope.module.name} Module, PS3.3 §${scope.module.section}, of the ${scope.iod.name} IOD, PS3.3 §${scope.iod.section})`;
  return makeFinding(code, `${message}${where}`, {
    tag: Tag[rule.keyword], severity: scope.severity, ...(prefix === '' ? {} : { path: `${prefix}${rule.keyword}` }),
  });
}

function name(rule: AttributeRule, prefix: string): string {
  return `${prefix}${rule.keyword}`;
}

function because(rule: AttributeRule): string {
  return rule.when === undefined ? '' : `; it is required when ${conditionText(rule.when)}`;
}

function tagOf(finding: Finding): string {
  return (finding.tag ?? '').replace(/[(),]/g, '');
}

/**
 * One finding per attribute: the strongest where modules overlap, and one for a problem repeated in many
 * items ("and 41 more items like it"), not one per item.
 */
class Collector {
  private readonly byKey = new Map<string, { finding: Finding; more: number }>();

  add(finding: Finding): void {
    const key = finding.path === undefined
      ? `root|${finding.code === 'bad-enum' ? 'value' : 'type'}|${finding.tag}`
      : `item|${finding.code}|${finding.path.replace(/\[\d+\]/g, '[*]')}`;
    const seen = this.byKey.get(key);
    if (!seen) {
      this.byKey.set(key, { finding, more: 0 });
    } else if (finding.path !== undefined) {
      seen.more += 1;
    } else if (STRENGTH.indexOf(finding.code as FindingCode) < STRENGTH.indexOf(seen.finding.code as FindingCode)) {
      seen.finding = finding;
    }
  }

  findings(): Finding[] {
    return [...this.byKey.values()].map(({ finding, more }) =>
      more === 0 ? finding : { ...finding, message: `${finding.message} (and ${more} more item${more === 1 ? '' : 's'} like it)` });
  }
}
