import type { Term } from '../../validator/src/domain/iod/table-types.ts';
import type { ParsedModules } from './parse-modules.ts';
import type { ValueList } from './parse-values.ts';
import type { IodTable, Rule } from '../../validator/src/domain/iod/table-types.ts';

export interface Reachable {
  readonly modules: Set<string>;
  readonly macros: Set<string>;
  /** Conditions used and readable. */
  readonly conditions: Set<string>;
  /** Every condition name used, readable or not. */
  readonly conditionNames: Set<string>;
  readonly values: Set<string>;
  /** Names used but defined nowhere. */
  readonly missing: string[];
}

/** What the IODs use, directly or through modules and macros: only that is written out. */
export function collectReachable(
  iods: ReadonlyMap<string, IodTable>,
  parsed: ParsedModules,
  conditions: ReadonlyMap<string, Term[]>,
  values: ReadonlyMap<string, ValueList>,
): Reachable {
  const found: Reachable = {
    modules: new Set(),
    macros: new Set(),
    conditions: new Set(),
    conditionNames: new Set(),
    values: new Set(),
    missing: [],
  };
  const useCondition = (name: string | undefined | null): void => {
    if (!name) return;
    found.conditionNames.add(name);
    if (conditions.has(name)) found.conditions.add(name);
  };
  const useValues = (name: string | undefined): void => {
    if (name === undefined) return;
    if (values.has(name)) found.values.add(name);
    else found.missing.push(`value list ${name}`);
  };
  const walk = (rules: readonly Rule[]): void => {
    for (const rule of rules) {
      useCondition(rule.c);
      if ('x' in rule) continue;
      if ('m' in rule) {
        if (found.macros.has(rule.m)) continue;
        const macro = parsed.macros.get(rule.m);
        if (!macro) {
          found.missing.push(`macro ${rule.m}`);
          continue;
        }
        found.macros.add(rule.m);
        walk(macro);
        continue;
      }
      for (const check of rule.v ?? []) {
        useValues(check.e ?? check.d);
        useCondition(check.c);
      }
      if (rule.s) walk(rule.s);
    }
  };
  for (const iod of iods.values()) {
    useCondition(iod.c);
    for (const [module, , condition] of iod.m) {
      useCondition(condition);
      if (found.modules.has(module)) continue;
      const rules = parsed.modules.get(module);
      if (!rules) {
        found.missing.push(`module ${module}`);
        continue;
      }
      found.modules.add(module);
      walk(rules);
    }
  }
  return found;
}
