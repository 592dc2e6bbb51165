import { describe, expect, it } from 'vitest';
import { checkTextValue } from '../../../src/domain/vr/check-value.ts';

const rulesOf = (vr: 'DS' | 'IS', raw: string): string[] => checkTextValue(vr, raw).map((p) => p.rule);

describe('DS (PS3.5 Table 6.2-1)', () => {
  it.each(['0', '-1.5', '+2', '.5', '5.', '1e10', '-1.25E-3', ' 0.5 ', '0.3125\\0.3125', '1234567890.12345'])(
    'when the decimal string is %j, then it is valid',
    (raw) => {
      expect(checkTextValue('DS', raw)).toEqual([]);
    },
  );

  it.each([
    ['1,5', 'ds-bad-character'],
    ['NaN', 'ds-bad-character'],
    ['0x10', 'ds-bad-character'],
    ['1.2.3', 'ds-format'],
    ['1 5', 'ds-format'],
    ['E5', 'ds-format'],
    ['1e', 'ds-format'],
    ['+-1', 'ds-format'],
    ['.', 'ds-format'],
    ['12345678901234567', 'length-exceeds-max'],
  ])('when the decimal string is %j, then the rule is %s', (raw, rule) => {
    expect(rulesOf('DS', raw)).toContain(rule);
  });
});

describe('IS (PS3.5 Table 6.2-1)', () => {
  it.each(['0', '-1', '+42', ' 7 ', '2147483647', '-2147483648', '1\\2\\3'])('when the integer string is %j, then it is valid', (raw) => {
    expect(checkTextValue('IS', raw)).toEqual([]);
  });

  it.each([
    ['1.0', 'is-bad-character'],
    ['1e3', 'is-bad-character'],
    ['1 2', 'is-format'],
    ['-', 'is-format'],
    ['1-', 'is-format'],
    ['2147483648', 'is-out-of-range'],
    ['-2147483649', 'is-out-of-range'],
    ['1234567890123', 'length-exceeds-max'],
  ])('when the integer string is %j, then the rule is %s', (raw, rule) => {
    expect(rulesOf('IS', raw)).toContain(rule);
  });
});
