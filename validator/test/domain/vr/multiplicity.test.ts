import { describe, expect, it } from 'vitest';
import { checkMultiplicity, countValues } from '../../../src/domain/vr/check-value.ts';

const rulesOf = (vm: string, count: number): string[] => checkMultiplicity(vm, count).map((p) => p.rule);

describe('countValues (PS3.5 §6.4)', () => {
  it.each([
    ['CS', 'ORIGINAL\\PRIMARY\\AXIAL ', 3],
    ['DS', '0.5\\0.5', 2],
    ['UI', '1.2.3\0', 1],
    ['PN', 'Doe^John', 1],
    ['CS', '', 0],
    ['CS', ' ', 0],
    ['UI', '\0', 0],
    ['CS', 'A\\', 2],
    ['LT', 'a\\b\\c', 1],
    ['ST', 'a\\b', 1],
    ['UT', 'a\\b', 1],
    ['UR', 'http://x/a\\b', 1],
  ])('when %s holds %j, then %i values are present', (vr, raw, expected) => {
    expect(countValues(vr, raw, raw.length)).toBe(expected);
  });

  it('when a text field was not read, then no values are present', () => {
    expect(countValues('LO', null, 0)).toBe(0);
  });

  it.each([
    ['US', 2, 1],
    ['US', 6, 3],
    ['FD', 16, 2],
    ['FL', 12, 3],
    ['AT', 8, 2],
    ['UL', 0, 0],
    ['SV', 8, 1],
  ])('when %s has %i bytes, then %i values are present', (vr, bytes, expected) => {
    expect(countValues(vr, null, bytes)).toBe(expected);
  });

  it.each(['OB', 'OW', 'OF', 'OD', 'OL', 'OV', 'SQ', 'UN'])('when %s has bytes, then it holds one value (PS3.5 §6.4)', (vr) => {
    expect(countValues(vr, null, 1024)).toBe(1);
    expect(countValues(vr, null, 0)).toBe(0);
  });
});

describe('checkMultiplicity (PS3.5 §6.4, PS3.6)', () => {
  it.each([
    ['1', 1],
    ['1-2', 1],
    ['1-2', 2],
    ['1-n', 1],
    ['1-n', 40],
    ['2-2n', 2],
    ['2-2n', 6],
    ['3', 3],
    ['3-3n', 9],
    ['6', 6],
    ['2-n', 2],
    ['1-32', 32],
    ['1-n or 1', 3],
  ])('when the VM is %s and %i values are present, then there is no problem', (vm, count) => {
    expect(checkMultiplicity(vm, count)).toEqual([]);
  });

  it.each(['1', '2', '3-3n', '6', '1-n'])('when the VM is %s and the value is empty, then it is never a VM problem', (vm) => {
    expect(checkMultiplicity(vm, 0)).toEqual([]);
  });

  it.each([
    ['1', 2, 'vm-too-many'],
    ['1-2', 3, 'vm-too-many'],
    ['2', 1, 'vm-too-few'],
    ['3', 2, 'vm-too-few'],
    ['2-n', 1, 'vm-too-few'],
    ['2-2n', 3, 'vm-not-multiple'],
    ['3-3n', 4, 'vm-not-multiple'],
    ['6', 7, 'vm-too-many'],
  ])('when the VM is %s and %i values are present, then the rule is %s', (vm, count, rule) => {
    expect(rulesOf(vm, count)).toEqual([rule]);
  });

  it('when the VM is not one PS3.6 uses, then that is reported rather than passed', () => {
    expect(rulesOf('several', 2)).toEqual(['vm-spec-invalid']);
  });

  it('when too many values are present, then the message gives the count and the VM', () => {
    expect(checkMultiplicity('1-2', 3)[0]?.message).toBe('3 values present; the VM is 1-2');
  });
});
