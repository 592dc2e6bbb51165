import { makeProblem } from './problem.ts';
import type { BinaryVr, ValueProblem } from './types.ts';

/** Bytes per value, PS3.5 Table 6.2-1; for the O* VRs the size of the words they are made of. */
export const BINARY_VALUE_SIZE: Readonly<Record<BinaryVr, number>> = {
  AT: 4,
  FL: 4,
  FD: 8,
  SL: 4,
  SS: 2,
  SV: 8,
  UL: 4,
  US: 2,
  UV: 8,
  OB: 1,
  OD: 8,
  OF: 4,
  OL: 4,
  OV: 8,
  OW: 2,
};

/** PS3.5 §6.4: byte streams that always hold exactly one value, however long. */
export const SINGLE_VALUED_BINARY: ReadonlySet<string> = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UN']);

/** PS3.5 §7.1.1: the length field value FFFFFFFFH means undefined length. */
const UNDEFINED_LENGTH = 0xffffffff;
/** PS3.5 §A.4: only encapsulated pixel data in OB or OW has undefined length among these VRs. */
const MAY_BE_UNDEFINED: ReadonlySet<string> = new Set(['OB', 'OW']);

export function checkBinaryLength(vr: BinaryVr, byteLength: number): ValueProblem[] {
  if (!Number.isInteger(byteLength) || byteLength < 0) {
    return [makeProblem('binary-length-invalid', `${vr} value length ${byteLength} is not a byte count`)];
  }
  if (byteLength === UNDEFINED_LENGTH && MAY_BE_UNDEFINED.has(vr)) return [];
  const size = BINARY_VALUE_SIZE[vr];
  if (byteLength % size !== 0) {
    return [
      makeProblem(
        'binary-length-not-multiple',
        `${vr} value length ${byteLength} is not a multiple of ${size}, the size of one ${vr} value (PS3.5 §6.2)`,
      ),
    ];
  }
  // PS3.5 §7.1.1: every value field has even length.
  if (byteLength % 2 !== 0) {
    return [makeProblem('binary-length-odd', `${vr} value length ${byteLength} is odd; PS3.5 §7.1.1 requires even length`)];
  }
  return [];
}
