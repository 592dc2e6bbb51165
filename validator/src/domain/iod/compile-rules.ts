import { Tag, type TagKeyword } from '@dsv/common';
import { compiledCondition, type Compiled } from './evaluate-condition.ts';
import { IOD_TABLES } from './iod-tables.ts';
import type { AttributeType, Rule, ValueRule } from './table-types.ts';

/** An attribute rule of the tables, made ready to check: its tag, and its condition as a function. */
export interface AttributeCheck {
  readonly kind: 'attribute';
  readonly keyword: string;
  readonly tag: string;
  readonly type: AttributeType;
  /** When a 1C/2C is required; null for 1, 2 and 3, and for a condition the templates say cannot be read. */
  readonly condition: Compiled | null;
  readonly conditionName: string | undefined;
  readonly values: readonly ValueCheck[] | null;
  /** The rules of each item of a sequence. */
  readonly items: readonly Check[] | null;
}

/** A value list rule of the tables made ready: its list as a set, its condition as a function (PS3.3 §5.3). */
export interface ValueCheck {
  /** 0-based value index; -1 is every value. */
  readonly index: number;
  /** Enumerated Values allow nothing else; Defined Terms may be extended. */
  readonly enumerated: boolean;
  readonly numeric: boolean;
  readonly allowed: ReadonlySet<string | number>;
  /** The first values of the list, for messages. */
  readonly shown: string;
  /** Only when this condition holds; null: always. */
  readonly condition: Compiled | null;
}

/** A macro invoked here, under a condition or always. */
export interface MacroCheck {
  readonly kind: 'macro';
  readonly condition: Compiled | null;
  readonly rules: () => readonly Check[];
}

/** dciodvfy's own rule: when the condition holds, the message applies to the attribute. */
export interface VerifyCheck {
  readonly kind: 'verify';
  readonly keyword: string;
  readonly tag: string;
  readonly condition: Compiled;
  readonly message: string;
  /** The message says the attribute is required: it can only apply while the attribute is absent; any other, only while present. */
  readonly requirement: boolean;
}

export type Check = AttributeCheck | MacroCheck | VerifyCheck;

export interface ModuleChecks {
  readonly checks: readonly Check[];
  /** Top-level Type 3 attributes of the module (and its unconditional macros): listed, never required. */
  readonly optional: ReadonlySet<string>;
}

const MODULES = new Map<string, ModuleChecks>();
const VALUE_LISTS = new Map<string, { allowed: ReadonlySet<string | number>; numeric: boolean; shown: string }>();
const MACROS = new Map<string, readonly Check[]>();
const EMPTY: ModuleChecks = { checks: [], optional: new Set() };

/**
 * A module of the tables as checks, made on first use and kept. Type 3 attributes with nothing to check (no
 * value list, no items) are left out of the checks: absent or present, they never make a finding.
 */
export function moduleChecks(name: string): ModuleChecks {
  let checks = MODULES.get(name);
  if (checks === undefined) {
    const rules = IOD_TABLES.modules[name];
    checks = rules === undefined ? EMPTY : { checks: compile(rules), optional: optionalKeywords(rules) };
    MODULES.set(name, checks);
  }
  return checks;
}

function macroChecks(name: string): readonly Check[] {
  let checks = MACROS.get(name);
  if (checks === undefined) {
    // Set before compiling: a macro that (indirectly) invokes itself gets the same, still filling, array.
    const filling: Check[] = [];
    MACROS.set(name, filling);
    filling.push(...compile(IOD_TABLES.macros[name] ?? []));
    checks = filling;
  }
  return checks;
}

function compile(rules: readonly Rule[]): Check[] {
  const out: Check[] = [];
  for (const rule of rules) {
    if ('x' in rule) {
      const tag = Tag[rule.x as TagKeyword];
      if (tag !== undefined) {
        out.push({
          kind: 'verify',
          keyword: rule.x,
          tag,
          condition: compiledCondition(rule.c),
          message: rule.msg,
          requirement: /\brequired\b|\bmissing\b/i.test(rule.msg),
        });
      }
      continue;
    }
    if ('m' in rule) {
      const name = rule.m;
      let compiled: readonly Check[] | undefined;
      out.push({
        kind: 'macro',
        condition: rule.c === undefined ? null : compiledCondition(rule.c),
        rules: () => (compiled ??= macroChecks(name)),
      });
      continue;
    }
    if (rule.t === '3' && rule.v === undefined && rule.s === undefined) continue;
    const tag = Tag[rule.k as TagKeyword];
    if (tag === undefined) continue;
    const conditional = rule.t === '1C' || rule.t === '2C';
    out.push({
      kind: 'attribute',
      keyword: rule.k,
      tag,
      type: rule.t,
      condition: conditional && rule.c !== undefined ? compiledCondition(rule.c) : null,
      conditionName: rule.c,
      values: valueChecks(rule.v),
      items: rule.s ? compile(rule.s) : null,
    });
  }
  return out;
}

/** The value rules whose list the tables hold (a rule naming an empty or unknown list checks nothing). */
function valueChecks(rules: readonly ValueRule[] | undefined): readonly ValueCheck[] | null {
  const checks: ValueCheck[] = [];
  for (const rule of rules ?? []) {
    const name = rule.e ?? rule.d;
    const list = name === undefined ? undefined : valueList(name);
    if (list === undefined) continue;
    checks.push({
      index: rule.i,
      enumerated: rule.e !== undefined,
      ...list,
      condition: rule.c === undefined ? null : compiledCondition(rule.c),
    });
  }
  return checks.length === 0 ? null : checks;
}

function valueList(name: string): { allowed: ReadonlySet<string | number>; numeric: boolean; shown: string } | undefined {
  let list = VALUE_LISTS.get(name);
  if (list === undefined) {
    const values = IOD_TABLES.values[name] as readonly (string | number)[] | undefined;
    if (values === undefined || values.length === 0) return undefined;
    list = {
      allowed: new Set(values),
      numeric: typeof values[0] === 'number',
      shown: values.slice(0, 12).join(', ') + (values.length > 12 ? ', …' : ''),
    };
    VALUE_LISTS.set(name, list);
  }
  return list;
}

function optionalKeywords(rules: readonly Rule[]): Set<string> {
  const optional = new Set<string>();
  const visit = (list: readonly Rule[], depth: number): void => {
    for (const rule of list) {
      if ('x' in rule) continue;
      if ('m' in rule) {
        if (rule.c === undefined && depth < 8) visit(IOD_TABLES.macros[rule.m] ?? [], depth + 1);
      } else if (rule.t === '3') {
        optional.add(rule.k);
      }
    }
  };
  visit(rules, 0);
  return optional;
}
