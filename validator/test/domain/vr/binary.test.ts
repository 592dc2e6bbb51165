import { describe, expect, it } from 'vitest';
import { checkBinaryLength } from '../../../src/domain/vr/check-value.ts';

type BinaryVr = Parameters<typeof checkBinaryLength>[0];
const rulesOf = (vr: BinaryVr, bytes: number): string[] => checkBinaryLength(vr, bytes).map((p) => p.rule);

describe('checkBinaryLength (PS3.5 §6.2, §7.1.1)', () => {
  it.each<[BinaryVr, number]>([
    ['US', 2],
    ['US', 6],
    ['SS', 0],
    ['UL', 4],
    ['SL', 8],
    ['FL', 12],
    ['FD', 8],
    ['AT', 4],
    ['SV', 16],
    ['UV', 8],
    ['OB', 2],
    ['OB', 0],
    ['OW', 4],
    ['OF', 8],
    ['OD', 16],
    ['OL', 4],
    ['OV', 8],
    ['OB', 0xffffffff],
    ['OW', 0xffffffff],
  ])('when %s is %i bytes long, then there is no problem', (vr, bytes) => {
    expect(checkBinaryLength(vr, bytes)).toEqual([]);
  });

  it.each<[BinaryVr, number, string]>([
    ['US', 3, 'binary-length-not-multiple'],
    ['UL', 6, 'binary-length-not-multiple'],
    ['FD', 12, 'binary-length-not-multiple'],
    ['AT', 2, 'binary-length-not-multiple'],
    ['OW', 5, 'binary-length-not-multiple'],
    ['OF', 6, 'binary-length-not-multiple'],
    ['OB', 3, 'binary-length-odd'],
    ['US', -2, 'binary-length-invalid'],
    ['US', 2.5, 'binary-length-invalid'],
    ['OF', 0xffffffff, 'binary-length-not-multiple'],
  ])('when %s is %i bytes long, then the rule is %s', (vr, bytes, rule) => {
    expect(rulesOf(vr, bytes)).toEqual([rule]);
  });
});
