/**
 * The generated form of a dicom3tools condition (condn.tpl): terms folded left to right from false, each
 * `result = result <op> [not] term`, a group in parentheses being one term (dicom3tools' condn2cc.awk).
 */
export type Where = 'item' | 'parent' | 'root';

export type Test =
  | { fn: 'present'; el: string; where: Where; mask?: number }
  | { fn: 'presentWithin'; el: string; seq: string; value?: string; sel?: number }
  | { fn: 'presentInPathFromRoot'; el: string; seq: string; firstItem: boolean }
  | { fn: 'sequenceInPathFromRootHasItems'; el: string; seq: string; firstItem: boolean }
  | { fn: 'groupPresent'; el: string; mask?: number }
  | { fn: 'valuePresent'; el: string; sel: number }
  | { fn: 'string'; el: string; where: Where; sel: number; value: string }
  | { fn: 'binary'; el: string; where: Where; sel: number; op: '==' | '!=' | '<' | '<=' | '>' | '>='; value: number }
  | { fn: 'tag'; el: string; sel: number; value: string }
  | { fn: 'items'; el: string; count: 'any' | 'one' | 'two' | 'many' };

export type Operator = 'or' | 'and' | 'xor';

export type Term =
  | { op: Operator; not?: true; test: Test }
  | { op: Operator; not?: true; group: Term[] };
