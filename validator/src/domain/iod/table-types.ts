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

export type Term = { op: Operator; not?: true; test: Test } | { op: Operator; not?: true; group: Term[] };

/** PS3.5 §7.4 attribute Types as the templates write them. */
export type AttributeType = '1' | '1C' | '2' | '2C' | '3';

/** A value check on one value of an attribute (`Verify="ImageType" ValueSelector="0" StringEnumValues=…`). */
export interface ValueRule {
  /** 0-based value index; -1 is every value. */
  readonly i: number;
  /** Enumerated Values list name. */
  readonly e?: string;
  /** Defined Terms list name. */
  readonly d?: string;
  /** Only when this condition holds. */
  readonly c?: string;
}

/**
 * One line of a module or macro: an attribute (k: keyword, t: Type, c: condition of a 1C/2C, nc: the
 * templates say its condition cannot be read from the data set, s: the rules of each item of a sequence,
 * v: value checks), or a macro invoked here (m, with an optional condition c).
 */
export type Rule =
  | {
      readonly k: string;
      readonly t: AttributeType;
      readonly c?: string;
      readonly nc?: 1;
      readonly s?: readonly Rule[];
      readonly v?: readonly ValueRule[];
    }
  | { readonly m: string; readonly c?: string }
  | VerifyRule;

/**
 * dciodvfy's own rule on an attribute (`Verify="…" Condition="…" ThenErrorMessage="…"`): when the condition
 * holds, the message applies (its ThenWarningMessage advice is not generated). Many state a requirement the Type column cannot ("Required unless
 * DimensionOrganizationType is TILED_FULL").
 */
export interface VerifyRule {
  /** The attribute the rule is about. */
  readonly x: string;
  readonly c: string;
  readonly msg: string;
}

/** A module of an IOD: name, usage (M, C, U), the condition of C and U modules, the information entity. */
export type ModuleUse = readonly [module: string, usage: 'M' | 'C' | 'U', condition: string | null, entity: string];

export interface IodTable {
  /** The condition that says a data set is an instance of this IOD. */
  readonly c: string;
  readonly m: readonly ModuleUse[];
}

export interface GeneratedTables {
  readonly notice: readonly string[];
  readonly source: { readonly name: string; readonly snapshot: string; readonly commit: string; readonly sha256: string };
  /** SOP Class UID -> its name and the IODs whose instance condition names it. */
  readonly sopClasses: Readonly<Record<string, { readonly name: string; readonly iods: readonly string[] }>>;
  readonly iods: Readonly<Record<string, IodTable>>;
  readonly modules: Readonly<Record<string, readonly Rule[]>>;
  readonly macros: Readonly<Record<string, readonly Rule[]>>;
  readonly conditions: Readonly<Record<string, readonly Term[]>>;
  readonly values: Readonly<Record<string, readonly string[] | readonly number[]>>;
}
