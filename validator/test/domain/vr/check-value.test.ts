import { describe, expect, it } from 'vitest';
import { checkTextValue, type TextVr } from '../../../src/domain/vr/check-value.ts';

const ALL_TEXT_VRS: TextVr[] = ['AE', 'AS', 'CS', 'DA', 'DS', 'DT', 'IS', 'LO', 'LT', 'PN', 'SH', 'ST', 'TM', 'UC', 'UI', 'UR', 'UT'];

describe('checkTextValue', () => {
  it.each(ALL_TEXT_VRS)('when a %s field is empty, then there is no problem', (vr) => {
    expect(checkTextValue(vr, '')).toEqual([]);
  });

  it.each(ALL_TEXT_VRS.filter((vr) => vr !== 'UI'))('when a %s field is one padding space, then there is no problem', (vr) => {
    expect(checkTextValue(vr, ' ')).toEqual([]);
  });

  it('when a UI field is one NUL, then there is no problem', () => {
    expect(checkTextValue('UI', '\0')).toEqual([]);
  });

  it('when a value fills its maximum and the field gets one padding space, then the pad is not counted (PS3.5 §6.4)', () => {
    expect(checkTextValue('SH', `${'x'.repeat(16)} `)).toEqual([]);
    expect(checkTextValue('DA', '20231015 ')).toEqual([]);
  });

  it('when a multi-valued field has an empty value in the middle, then that value is not checked', () => {
    expect(checkTextValue('DS', '1.5\\\\2.5')).toEqual([]);
  });

  it('when several values break rules, then each problem names its value index', () => {
    const problems = checkTextValue('CS', 'OK\\bad\\ALSO_OK\\worse');
    expect(problems.map((p) => [p.rule, p.valueIndex])).toEqual([
      ['cs-bad-character', 1],
      ['cs-bad-character', 3],
    ]);
  });

  it('when a problem is reported, then its rule id is stable kebab-case', () => {
    const problems = [
      ...checkTextValue('DA', '2023-13-45'),
      ...checkTextValue('UI', '1.2.826.0.01.3680043'),
      ...checkTextValue('PN', 'A=B=C=D'),
    ];
    for (const problem of problems) expect(problem.rule).toMatch(/^[a-z]+(-[a-z0-9]+)*$/);
  });
});
