import { ElementReader, Tag, type DicomDataSet, type Finding, type FindingCode, type Inspection, type Severity } from '@dsv/common';
import { isEmptyValue } from '../is-empty-value.ts';
import { makeFinding } from '../make-finding.ts';
import { conditionHolds, placeNumbers, placeTexts, tagValues, type Place } from './evaluate-condition.ts';
import { moduleChecks, type AttributeCheck, type Check, type ModuleChecks, type ValueCheck, type VerifyCheck } from './compile-rules.ts';
import { iodOfSopClass, IOD_TABLES, spaced, type IodEntry } from './iod-tables.ts';

export interface IodRules {
  readonly enabled: boolean;
  /** Severity of every missing/empty/bad-enum finding of the tables (config iod.severity). */
  readonly severity: Severity;
}

/** What the IOD of the instance says of a top-level attribute: required here, or listed but not required here. */
export type Requirement = 'required' | 'optional';

export interface IodVerdict {
  readonly findings: Finding[];
  /** The IOD the SOP Class maps to, or undefined. */
  readonly iod: IodEntry | undefined;
  /** The watched top-level attributes of the modules checked, by keyword: required for this instance, or not. */
  readonly requirements: ReadonlyMap<string, Requirement>;
}

/** Stronger first: where two modules list one attribute (InstanceNumber Type 2 and Type 1), the stronger finding stays. */
const STRENGTH: readonly FindingCode[] = ['missing-type1', 'empty-type1', 'missing-type1c', 'missing-type2', 'missing-type2c'];
const FILE_META_MODULE = 'FileMetaInformation';

/** One per file; the module it is at changes as the walk moves on (a finding copies it when made). */
interface Scope {
  /** Top-level keywords whose requirement the caller wants to know (the configured required attributes). */
  readonly watch: ReadonlySet<string>;
  iod: string;
  module: string;
  readonly severity: Severity;
  requirements: Map<string, Requirement>;
  readonly out: Collector;
}

/**
 * The file against the IOD of its SOP Class, from the generated tables (iod-tables.generated.json, from
 * dicom3tools' templates): every module the IOD makes mandatory, or conditional or user optional with a
 * condition that holds; each attribute's Type (PS3.5 §7.4) with its condition as the templates state it; the
 * macros they invoke; the items of every sequence sent (the shared and per-frame functional groups
 * included); Enumerated Values (bad-enum) and Defined Terms (unknown-defined-term, a warning).
 */
export function evaluateIod(inspection: Inspection, rules: IodRules, watch: ReadonlySet<string> = new Set()): IodVerdict {
  const requirements = new Map<string, Requirement>();
  const parsed = inspection.parsed;
  if (!rules.enabled || !parsed) return { findings: [], iod: undefined, requirements };
  const reader = new ElementReader(parsed);
  const sopClassUID = reader.text('SOPClassUID');
  const iod = iodOfSopClass(sopClassUID);
  const out = new Collector();
  const root = place(parsed.dataset, reader, null);
  const meta = place(parsed.meta, reader, null);
  const metaRequirements = new Map<string, Requirement>();
  const scope: Scope = {
    watch,
    severity: rules.severity,
    requirements: metaRequirements,
    out,
    iod: 'Part 10 file',
    module: FILE_META_MODULE,
  };
  if (!iod) {
    checkRules(moduleChecks(FILE_META_MODULE).checks, meta, '', scope);
    // An absent SOP Class UID is the required-attribute check's finding.
    if (sopClassUID !== undefined) {
      out.add(
        makeFinding(
          'unknown-sop-class',
          `SOP Class UID ${sopClassUID} is not one of the ${Object.keys(IOD_TABLES.sopClasses).length} SOP Classes of the generated IOD tables: its modules were not checked, only the generic rules (format, integrity, required attributes, values)`,
          { tag: Tag.SOPClassUID },
        ),
      );
    }
    return { findings: out.findings(), iod, requirements };
  }
  scope.iod = iod.name;
  for (const [module, usage, condition, entity] of iod.table.m) {
    const at = entity === 'File' ? meta : root;
    if (usage !== 'M' && (condition === null || !conditionHolds(condition, at))) continue;
    scope.module = module;
    scope.requirements = entity === 'File' ? metaRequirements : requirements;
    const checks = moduleChecks(module);
    for (const keyword of watchedOptional(checks, watch)) if (!requirements.has(keyword)) requirements.set(keyword, 'optional');
    checkRules(checks.checks, at, '', scope);
  }
  return { findings: out.findings(), iod, requirements };
}

const WATCHED_OPTIONAL = new WeakMap<ModuleChecks, { watch: ReadonlySet<string>; keywords: readonly string[] }>();

/** The module's Type 3 keywords the caller watches, worked out once per module and watch list (one per config). */
function watchedOptional(checks: ModuleChecks, watch: ReadonlySet<string>): readonly string[] {
  const known = WATCHED_OPTIONAL.get(checks);
  if (known?.watch === watch) return known.keywords;
  const keywords = [...checks.optional].filter((keyword) => watch.has(keyword));
  WATCHED_OPTIONAL.set(checks, { watch, keywords });
  return keywords;
}

function place(dataset: DicomDataSet, reader: ElementReader, parent: Place | null): Place {
  const self: Place = {
    dataset,
    reader,
    parent,
    root: undefined as unknown as Place,
    answers: null,
    texts: null,
    numbers: null,
    masked: null,
    highBytes: null,
  };
  (self as { root: Place }).root = parent ? parent.root : self;
  return self;
}

function checkRules(checks: readonly Check[], at: Place, prefix: string, scope: Scope): void {
  for (const check of checks) {
    if (check.kind === 'macro') {
      if (check.condition === null || check.condition(at)) checkRules(check.rules(), at, prefix, scope);
      continue;
    }
    if (check.kind === 'verify') {
      // A rule about a value needs the attribute; a rule that requires it, its absence (the condition says the rest).
      if (at.dataset.has(check.tag) !== check.requirement && check.condition(at)) scope.out.add(verifyFinding(check, prefix, scope));
      continue;
    }
    const element = at.dataset.get(check.tag);
    // A condition is evaluated only where its answer changes something: a watched attribute, an absent or an empty one.
    if (prefix === '' && scope.watch.has(check.keyword) && scope.requirements.get(check.keyword) !== 'required') {
      scope.requirements.set(check.keyword, isRequired(check, at) ? 'required' : 'optional');
    }
    if (!element) {
      if (check.type !== '3' && isRequired(check, at)) scope.out.add(missingFinding(check, prefix, scope));
      continue;
    }
    if ((check.type === '1' || check.type === '1C') && isEmptyValue(at.reader, element) && isRequired(check, at)) {
      scope.out.add(
        placed(
          'empty-type1',
          `Type ${check.type} attribute ${prefix}${check.keyword} is present but has no value${because(check)}`,
          check.tag,
          prefix,
          check.keyword,
          scope,
        ),
      );
    }
    if (check.values !== null) for (const rule of check.values) checkValues(check.keyword, check.tag, rule, at, prefix, scope);
    if (check.items === null || !element.items) continue;
    const items = check.items;
    for (let index = 0; index < element.items.length; index++) {
      const item = element.items[index]!;
      checkRules(items, place(item, at.reader.forItem(item), at), `${prefix}${check.keyword}[${index}].`, scope);
    }
  }
}

/** PS3.5 §7.4: Types 1 and 2 always; 1C and 2C when the templates' condition holds (not when they say it cannot be read). */
function isRequired(check: AttributeCheck, at: Place): boolean {
  if (check.type === '1' || check.type === '2') return true;
  return check.condition !== null && check.condition(at);
}

/** PS3.3 §5.3: Enumerated Values allow nothing else (bad-enum); Defined Terms may be extended (unknown-defined-term, a warning). */
function checkValues(keyword: string, tag: string, check: ValueCheck, at: Place, prefix: string, scope: Scope): void {
  if (check.condition !== null && !check.condition(at)) return;
  const element = at.dataset.get(tag);
  if (!element) return;
  const values: readonly (string | number)[] = check.numeric
    ? placeNumbers(at, tag, keyword)
    : element.vr === 'AT'
      ? tagValues(at, element)
      : placeTexts(at, tag, keyword);
  let bad: string | number | undefined;
  for (
    let index = check.index < 0 ? 0 : check.index;
    index < (check.index < 0 ? values.length : Math.min(values.length, check.index + 1));
    index++
  ) {
    const value = values[index]!;
    if (value !== '' && !check.allowed.has(value)) {
      bad = value;
      break;
    }
  }
  if (bad === undefined) return;
  const which = check.index < 0 ? '' : ` value ${check.index + 1}`;
  if (check.enumerated) {
    scope.out.add(
      placed(
        'bad-enum',
        `${prefix}${keyword}${which} ${JSON.stringify(bad)} is not one of its Enumerated Values here (${check.shown})`,
        tag,
        prefix,
        keyword,
        scope,
      ),
    );
  } else {
    scope.out.add(
      placed(
        'unknown-defined-term',
        `${prefix}${keyword}${which} ${JSON.stringify(bad)} is not one of its Defined Terms (${check.shown})`,
        tag,
        prefix,
        keyword,
        { ...scope, severity: 'warning' },
      ),
    );
  }
}

/**
 * A rule the templates state as a message: an absent attribute said to be required ("Required unless …") is
 * missing-type1c; anything else is iod-rule.
 */
function verifyFinding(check: VerifyCheck, prefix: string, scope: Scope): Finding {
  const code: FindingCode = check.requirement ? 'missing-type1c' : 'iod-rule';
  return placed(code, `${prefix}${check.keyword}: ${check.message}`, check.tag, prefix, check.keyword, scope);
}

function missingFinding(check: AttributeCheck, prefix: string, scope: Scope): Finding {
  const code: FindingCode =
    check.type === '1' ? 'missing-type1' : check.type === '1C' ? 'missing-type1c' : check.type === '2' ? 'missing-type2' : 'missing-type2c';
  const mayBeEmpty = check.type === '2' || check.type === '2C' ? ' (it may be empty, not absent)' : '';
  return placed(
    code,
    `Type ${check.type} attribute ${prefix}${check.keyword} is absent${mayBeEmpty}${because(check)}`,
    check.tag,
    prefix,
    check.keyword,
    scope,
  );
}

function placed(code: FindingCode, message: string, tag: string, prefix: string, keyword: string, scope: Scope): Finding {
  const where = ` (${spaced(scope.module)} Module of the ${spaced(scope.iod)} IOD)`;
  return makeFinding(code, `${message}${where}`, {
    tag,
    severity: scope.severity,
    ...(prefix === '' ? {} : { path: `${prefix}${keyword}` }),
  });
}

function because(check: AttributeCheck): string {
  return check.conditionName === undefined ? '' : `; required when ${spaced(check.conditionName)}`;
}

/**
 * One finding per attribute: the strongest where modules overlap, and one for a problem repeated in many
 * items ("and 41 more items like it"), not one per item.
 */
class Collector {
  private readonly byKey = new Map<string, { finding: Finding; more: number }>();

  add(finding: Finding): void {
    const key =
      finding.path === undefined
        ? `root|${finding.code === 'bad-enum' || finding.code === 'unknown-defined-term' ? `value|${finding.code}` : 'type'}|${finding.tag}`
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
      more === 0 ? finding : { ...finding, message: `${finding.message} (and ${more} more item${more === 1 ? '' : 's'} like it)` },
    );
  }
}
