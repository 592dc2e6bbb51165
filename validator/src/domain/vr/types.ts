/** One way a value breaks its Value Representation or Value Multiplicity (PS3.5 §6.2, §6.4). */
export interface ValueProblem {
  /** Stable kebab-case id, e.g. 'da-format'. */
  rule: string;
  message: string;
  /** 0-based index of the offending value in a multi-valued element. */
  valueIndex?: number;
}

/** The character-string VRs of PS3.5 Table 6.2-1. */
export type TextVr = 'AE' | 'AS' | 'CS' | 'DA' | 'DS' | 'DT' | 'IS' | 'LO' | 'LT' | 'PN' | 'SH' | 'ST' | 'TM' | 'UC' | 'UI' | 'UR' | 'UT';

/** The fixed-size binary VRs and the "other" byte-stream VRs of PS3.5 Table 6.2-1. */
export type BinaryVr = 'AT' | 'FL' | 'FD' | 'SL' | 'SS' | 'SV' | 'UL' | 'US' | 'UV' | 'OB' | 'OD' | 'OF' | 'OL' | 'OV' | 'OW';

/** Checks one value of a multi-valued element, padding of the whole field already removed. */
export type ValueCheck = (value: string, valueIndex: number) => ValueProblem[];
