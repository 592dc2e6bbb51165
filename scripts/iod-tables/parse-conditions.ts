import type { Operator, Term, Test } from '../../validator/src/domain/iod/table-types.ts';
import type { TemplateLine } from './read-template.ts';

export interface ConditionContext {
  /** dicom3tools keyword -> our dictionary's keyword; undefined when our dictionary lacks the element. */
  readonly keyword: (name: string) => string | undefined;
  /** Named string constants (SOP Class UIDs, ...): `StringConstant="CTImageStorageSOPClassUID"`. */
  readonly constant: (name: string) => string | undefined;
}

export interface ParsedConditions {
  readonly conditions: Map<string, Term[]>;
  /** Conditions that name an element our dictionary lacks, or a construct we do not read: never true. */
  readonly unreadable: Map<string, string>;
}

/** condn.tpl: `Condition="Name"`, then `Element="…" [Operator=] [Modifier="Not"] <test>` lines and `(` `)` groups, `ConditionEnd`. */
export function parseConditions(lines: readonly TemplateLine[], context: ConditionContext): ParsedConditions {
  const conditions = new Map<string, Term[]>();
  const unreadable = new Map<string, string>();
  let name: string | null = null;
  let stack: Term[][] = [];
  for (const line of lines) {
    if (line.head === 'Condition') {
      name = line.fields.get('Condition')!;
      stack = [[]];
      continue;
    }
    if (name === null) continue;
    if (line.head === 'ConditionEnd') {
      if (stack.length !== 1) unreadable.set(name, `unbalanced parentheses (line ${line.line})`);
      else if (!unreadable.has(name)) conditions.set(name, stack[0]!);
      name = null;
      continue;
    }
    if (line.head === '(') {
      stack.push([]);
      continue;
    }
    if (line.head === ')') {
      const group = stack.pop()!;
      stack.at(-1)!.push({ ...operatorOf(line), group });
      continue;
    }
    // dicom3tools' own reader (condn2cc.awk) passes over anything else on a line of its own, e.g. a stray '}'.
    if (line.head !== 'Element') continue;
    try {
      for (const test of testsOf(line, context)) stack.at(-1)!.push({ ...operatorOf(line), test });
    } catch (error) {
      unreadable.set(name, (error as Error).message);
    }
  }
  return { conditions, unreadable };
}

function operatorOf(line: TemplateLine): { op: Operator; not?: true } {
  const raw = (line.fields.get('Operator') ?? '').toLowerCase();
  const op: Operator = raw === 'and' || raw === '&' || raw === '&&' ? 'and' : raw === 'xor' || raw === '^' ? 'xor' : 'or';
  const modifier = (line.fields.get('Modifier') ?? '').toLowerCase();
  return modifier === 'not' || modifier === '!' || modifier === '~' ? { op, not: true } : { op };
}

/** dicom3tools: ValueSelector "*" or absent is any value (-1), else the 0-based value index. */
function selectorOf(line: TemplateLine): number {
  const raw = line.fields.get('ValueSelector');
  return raw === undefined || raw === '*' ? -1 : Number(raw);
}

function testsOf(line: TemplateLine, context: ConditionContext): Test[] {
  const f = line.fields;
  const element = f.get('Element')!;
  const el = context.keyword(element);
  if (el === undefined) throw new Error(`element ${element} is not in the dictionary (line ${line.line})`);
  const sequence = (key: string): string => {
    const seq = context.keyword(f.get(key)!);
    if (seq === undefined) throw new Error(`sequence ${f.get(key)} is not in the dictionary (line ${line.line})`);
    return seq;
  };
  const constant = (key: string): string => {
    const value = context.constant(f.get(key)!);
    if (value === undefined) throw new Error(`constant ${f.get(key)} is unknown (line ${line.line})`);
    return value;
  };
  const sel = selectorOf(line);
  const tests: Test[] = [];
  let stringUsed = false;
  if (f.has('ValuePresent')) tests.push({ fn: 'valuePresent', el, sel });
  if (f.has('ElementPresent')) {
    const mask = f.get('ElementPresent')!;
    tests.push(mask === '' ? { fn: 'present', el, where: 'item' } : { fn: 'present', el, where: 'item', mask: Number(mask) });
  }
  if (f.has('ElementPresentAbove')) tests.push({ fn: 'present', el, where: 'parent' });
  if (f.has('ElementPresentInRoot')) tests.push({ fn: 'present', el, where: 'root' });
  if (f.has('ElementPresentWithin')) {
    const seq = sequence('ElementPresentWithin');
    if (f.has('StringValue')) {
      tests.push({ fn: 'presentWithin', el, seq, sel, value: f.get('StringValue')! });
      stringUsed = true;
    } else if (f.has('StringConstant')) {
      tests.push({ fn: 'presentWithin', el, seq, sel, value: constant('StringConstant') });
      stringUsed = true;
    } else {
      tests.push({ fn: 'presentWithin', el, seq });
    }
  }
  if (f.has('ElementPresentInPathFromRoot'))
    tests.push({ fn: 'presentInPathFromRoot', el, seq: sequence('ElementPresentInPathFromRoot'), firstItem: false });
  if (f.has('ElementPresentInPathFromRootFirstItem')) {
    tests.push({ fn: 'presentInPathFromRoot', el, seq: sequence('ElementPresentInPathFromRootFirstItem'), firstItem: true });
  }
  if (f.has('SequencePresentInPathFromRootHasItems')) {
    tests.push({ fn: 'sequenceInPathFromRootHasItems', el, seq: sequence('SequencePresentInPathFromRootHasItems'), firstItem: false });
  }
  if (f.has('SequencePresentInPathFromRootFirstItemHasItems')) {
    tests.push({
      fn: 'sequenceInPathFromRootHasItems',
      el,
      seq: sequence('SequencePresentInPathFromRootFirstItemHasItems'),
      firstItem: true,
    });
  }
  if (f.has('GroupPresent')) {
    const mask = f.get('GroupPresent')!;
    tests.push(mask === '' ? { fn: 'groupPresent', el } : { fn: 'groupPresent', el, mask: Number(mask) });
  }
  if (!stringUsed && f.has('StringConstant')) tests.push({ fn: 'string', el, where: 'item', sel, value: constant('StringConstant') });
  if (f.has('StringConstantFromRootAttribute'))
    tests.push({ fn: 'string', el, where: 'root', sel, value: constant('StringConstantFromRootAttribute') });
  if (!stringUsed && f.has('StringValue')) tests.push({ fn: 'string', el, where: 'item', sel, value: f.get('StringValue')! });
  if (f.has('StringValueAbove')) tests.push({ fn: 'string', el, where: 'parent', sel, value: f.get('StringValueAbove')! });
  for (const key of ['StringValueFromRootAttribute', 'StringValueFromRoot']) {
    if (f.has(key)) tests.push({ fn: 'string', el, where: 'root', sel, value: f.get(key)! });
  }
  for (const [key, where] of [
    ['BinaryValue', 'item'],
    ['BinaryValueFromRootAttribute', 'root'],
  ] as const) {
    if (!f.has(key)) continue;
    const match = /^(==|!=|<=|>=|<|>)\s*(-?(?:0x[0-9a-f]+|\d+))$/i.exec(f.get(key)!.trim());
    if (!match) throw new Error(`unreadable ${key} ${f.get(key)} (line ${line.line})`);
    tests.push({ fn: 'binary', el, where, sel, op: match[1] as '==', value: Number(match[2]) });
  }
  if (f.has('TagValue')) {
    const match = /^0x([0-9a-f]{4}),\s*0x([0-9a-f]{4})$/i.exec(f.get('TagValue')!.trim());
    if (!match) throw new Error(`unreadable TagValue ${f.get('TagValue')} (line ${line.line})`);
    tests.push({ fn: 'tag', el, sel, value: `${match[1]}${match[2]}`.toUpperCase() });
  }
  if (f.has('SequenceHasItems')) tests.push({ fn: 'items', el, count: 'any' });
  if (f.has('SequenceHasOneItem')) tests.push({ fn: 'items', el, count: 'one' });
  if (f.has('SequenceHasTwoItems')) tests.push({ fn: 'items', el, count: 'two' });
  if (f.has('SequenceHasMultipleItems')) tests.push({ fn: 'items', el, count: 'many' });
  // A line whose test dicom3tools' reader would not match either (an unclosed quote) adds no term, as there.
  return tests;
}
