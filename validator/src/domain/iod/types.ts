import type { TagKeyword } from '@dsv/common';
import type { ConditionName } from './conditions.ts';

/**
 * PS3.5 §7.4: 1 present with a value, 2 present (may be empty), 1C/2C the same under a condition. Type 3 is
 * optional; it appears here only on sequences, whose items have their own Type 1 and 2 attributes when the
 * sequence is sent.
 */
export type AttributeType = '1' | '1C' | '2' | '2C' | '3';

export interface AttributeRule {
  readonly keyword: TagKeyword;
  readonly type: AttributeType;
  /**
   * When a 1C or 2C attribute is required. Without it the condition is one this validator cannot evaluate
   * from the data set ("if contrast was used"): the attribute is not required, but its items are checked
   * when it is sent.
   */
  readonly when?: ConditionName;
  /** For a sequence: the rules of each of its items. */
  readonly items?: readonly AttributeRule[];
  /** The Enumerated Values PS3.3 gives the attribute in this module (bad-enum when another value is sent). */
  readonly values?: readonly (string | number)[];
}

export interface ModuleDefinition {
  /** The module's name in PS3.3, e.g. 'General Series'. */
  readonly name: string;
  /** Where PS3.3 defines it, e.g. 'C.7.3.1'. */
  readonly section: string;
  readonly attributes: readonly AttributeRule[];
}

export interface ModuleUse<M extends string = string> {
  readonly module: M;
  /** PS3.3 Annex A: M is mandatory; C is required when `when` holds (a C module without `when` is not checked). */
  readonly usage: 'M' | 'C';
  readonly when?: ConditionName;
}

export interface IodDefinition<M extends string = string> {
  /** The IOD's name in PS3.3, e.g. 'CT Image'. */
  readonly name: string;
  /** Where PS3.3 defines it, e.g. 'A.3'. */
  readonly section: string;
  readonly modules: readonly ModuleUse<M>[];
}
