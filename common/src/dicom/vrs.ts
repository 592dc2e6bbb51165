/** The value representations of PS3.5 §6.2 Table 6.2-1. */
export const VRS = [
  'AE',
  'AS',
  'AT',
  'CS',
  'DA',
  'DS',
  'DT',
  'FL',
  'FD',
  'IS',
  'LO',
  'LT',
  'OB',
  'OD',
  'OF',
  'OL',
  'OV',
  'OW',
  'PN',
  'SH',
  'SL',
  'SQ',
  'SS',
  'ST',
  'SV',
  'TM',
  'UC',
  'UI',
  'UL',
  'UN',
  'UR',
  'US',
  'UT',
  'UV',
] as const;

export type Vr = (typeof VRS)[number];

const VR_SET: ReadonlySet<string> = new Set(VRS);
const VR_BY_NAME: ReadonlyMap<string, Vr> = new Map(VRS.map((vr) => [vr, vr]));

/** Whether two characters name a VR of the standard (an explicit VR field holds one). */
export function isVr(value: string): value is Vr {
  return VR_SET.has(value);
}

/**
 * The VR as this module spells it, or undefined when it is none. A parsed element keeps this one string rather
 * than the two characters read from its header: every later comparison and lookup of the VR is then one of
 * identical strings.
 */
export function canonicalVr(value: string): Vr | undefined {
  return VR_BY_NAME.get(value);
}
