import type { TemplateLine } from './read-template.ts';
import type { AttributeType, Rule, ValueRule, VerifyRule } from '../../validator/src/domain/iod/table-types.ts';

export interface ParsedModules {
  readonly modules: Map<string, Rule[]>;
  readonly macros: Map<string, Rule[]>;
  /** Template keywords our dictionary lacks (their rules are left out), with how often they occur. */
  readonly unknownKeywords: Map<string, number>;
}

const TYPES: ReadonlySet<string> = new Set(['1', '1C', '2', '2C', '3']);
/** One template line writes 3C: an optional attribute, whatever its condition. */
const OPTIONAL_TYPES: ReadonlySet<string> = new Set(['3C']);

type MutableRule =
  { k: string; t: AttributeType; c?: string; nc?: 1; s?: MutableRule[]; v?: ValueRule[] } | { m: string; c?: string } | VerifyRule;

/**
 * module/*.tpl: `Module="…"` or `DefineMacro="…"` … `ModuleEnd`/`MacroEnd`; inside, `Name=` attributes,
 * `Sequence=` … `SequenceEnd` with the rules of its items, `InvokeMacro=`, and `Verify=` value checks.
 */
export function parseModules(lines: readonly TemplateLine[], keyword: (name: string) => string | undefined, into: ParsedModules): void {
  let stack: MutableRule[][] = [];
  let current: { kind: 'module' | 'macro'; name: string } | null = null;
  /** The sequences being read; a null entry is one left out (unknown keyword), whose contents are skipped. */
  const open: (MutableRule | null)[] = [];
  const skipping = () => open.includes(null);
  for (const line of lines) {
    const f = line.fields;
    if (line.head === 'Module' || line.head === 'DefineMacro') {
      current = { kind: line.head === 'Module' ? 'module' : 'macro', name: f.get(line.head)! };
      stack = [[]];
      open.length = 0;
      continue;
    }
    if (current === null) continue;
    if (line.head === 'ModuleEnd' || line.head === 'MacroEnd') {
      const target = current.kind === 'module' ? into.modules : into.macros;
      if (target.has(current.name)) throw new Error(`line ${line.line}: ${current.kind} ${current.name} defined twice`);
      if (stack.length !== 1) throw new Error(`line ${line.line}: ${current.name} ends inside a sequence`);
      target.set(current.name, stack[0]! as Rule[]);
      current = null;
      continue;
    }
    if (line.head === 'SequenceEnd') {
      const sequence = open.pop();
      if (sequence !== null) stack.pop();
      continue;
    }
    if (line.head === 'InvokeMacro') {
      if (skipping()) continue;
      const condition = f.get('Condition');
      stack.at(-1)!.push(condition === undefined ? { m: f.get('InvokeMacro')! } : { m: f.get('InvokeMacro')!, c: condition });
      continue;
    }
    if (line.head === 'Name' || line.head === 'Sequence') {
      const name = f.get(line.head)!;
      const ours = keyword(name);
      const written = f.get('Type') ?? '3';
      const type = OPTIONAL_TYPES.has(written) ? '3' : written;
      if (!TYPES.has(type)) throw new Error(`line ${line.line}: Type ${type}`);
      if (ours === undefined || skipping()) {
        if (ours === undefined) into.unknownKeywords.set(name, (into.unknownKeywords.get(name) ?? 0) + 1);
        if (line.head === 'Sequence') open.push(null);
        continue;
      }
      const rule: MutableRule = { k: ours, t: type as AttributeType };
      if (f.has('Condition') && (type === '1C' || type === '2C')) rule.c = f.get('Condition')!;
      if (f.has('NoCondition') && !f.has('Condition')) rule.nc = 1;
      const values = valueRule(line, selectorOf(line));
      if (values) rule.v = [values];
      stack.at(-1)!.push(rule);
      if (line.head === 'Sequence') {
        rule.s = [];
        open.push(rule);
        stack.push(rule.s);
      }
      continue;
    }
    if (line.head === 'Verify') {
      if (skipping()) continue;
      const target = keyword(f.get('Verify')!);
      const message = f.get('ThenErrorMessage');
      if (message !== undefined) {
        if (target !== undefined && f.has('Condition')) stack.at(-1)!.push({ x: target, c: f.get('Condition')!, msg: message });
        continue;
      }
      // dciodvfy's warnings are its advice (a deprecated coding scheme, an empty Laterality), not the standard's
      // rules: left out. An Else message (two in the templates) says the opposite of its condition: left out too.
      if (f.has('ThenWarningMessage') || f.has('ElseWarningMessage') || f.has('ElseErrorMessage')) continue;
      const rule = stack.at(-1)!.findLast((candidate) => 'k' in candidate && candidate.k === target);
      const values = valueRule(line, selectorOf(line));
      if (!rule || !('k' in rule) || !values) continue;
      (rule.v ??= []).push(values);
    }
  }
}

/** `ValueSelector="n"`: the n-th value (0-based); absent or '*': every value. */
function selectorOf(line: TemplateLine): number {
  const raw = line.fields.get('ValueSelector');
  const selector = raw === undefined || raw === '*' ? -1 : Number(raw);
  return Number.isInteger(selector) ? selector : -1;
}

function valueRule(line: TemplateLine, selector: number): ValueRule | undefined {
  const f = line.fields;
  const enumerated = f.get('StringEnumValues') ?? f.get('BinaryEnumValues') ?? f.get('TagEnumValues');
  const defined = f.get('StringDefinedTerms');
  if (enumerated === undefined && defined === undefined) return undefined;
  const condition = line.head === 'Verify' ? f.get('Condition') : undefined;
  return {
    i: selector,
    ...(enumerated === undefined ? {} : { e: enumerated }),
    ...(enumerated === undefined && defined !== undefined ? { d: defined } : {}),
    ...(condition === undefined ? {} : { c: condition }),
  };
}
