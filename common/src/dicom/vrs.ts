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

/** Whether two characters name a VR of the standard (an explicit VR field holds one). */
export function isVr(value: string): value is Vr {
  return VR_SET.has(value);
}
