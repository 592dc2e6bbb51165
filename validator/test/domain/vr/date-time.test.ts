import { describe, expect, it } from 'vitest';
import { checkTextValue } from '../../../src/domain/vr/check-value.ts';

const rulesOf = (vr: 'DA' | 'TM' | 'DT', raw: string): string[] => checkTextValue(vr, raw).map((p) => p.rule);

describe('DA (PS3.5 Table 6.2-1)', () => {
  it.each(['20231015', '20240229', '20000229', '19930822', '20231015 '])('when the date is %j, then it is valid', (raw) => {
    expect(checkTextValue('DA', raw)).toEqual([]);
  });

  it('when StudyDate is "2023-13-45" (corpus), then it breaks the YYYYMMDD format', () => {
    expect(rulesOf('DA', '2023-13-45')).toContain('da-format');
  });

  it('when StudyDate is "20231345" (corpus), then it is not a calendar date', () => {
    const problems = checkTextValue('DA', '20231345');
    expect(problems.map((p) => p.rule)).toEqual(['da-invalid-date']);
    expect(problems[0]?.message).toContain('"20231345"');
  });

  it.each([
    ['20230229', 'da-invalid-date'], // 2023 is not a leap year
    ['19000229', 'da-invalid-date'], // 1900 is not a leap year
    ['20230431', 'da-invalid-date'],
    ['20230100', 'da-invalid-date'],
    ['2023.10.15', 'da-format'], // the ACR-NEMA form is not conformant
    ['2023101', 'da-format'],
    [' 20231015', 'da-format'],
  ])('when the date is %j, then the rule is %s', (raw, rule) => {
    expect(rulesOf('DA', raw)).toContain(rule);
  });

  it('when the date is a query range, then it is reported as a range, not allowed in a stored instance', () => {
    expect(rulesOf('DA', '20230101-20231231')).toContain('query-range-not-allowed');
    expect(rulesOf('DA', '20230101-')).toEqual(['length-exceeds-max', 'query-range-not-allowed']);
  });

  it('when the second of two dates is bad, then the problem carries valueIndex 1', () => {
    expect(checkTextValue('DA', '20230101\\20231301')).toEqual([expect.objectContaining({ rule: 'da-invalid-date', valueIndex: 1 })]);
  });
});

describe('TM (PS3.5 Table 6.2-1)', () => {
  it.each(['07', '0715', '071530', '071530.1', '071530.123456', '235959', '235960', '000000 ', '1015 '])(
    'when the time is %j, then it is valid',
    (raw) => {
      expect(checkTextValue('TM', raw)).toEqual([]);
    },
  );

  it('when StudyTime is "25:61:00" (corpus), then it breaks the TM format', () => {
    expect(rulesOf('TM', '25:61:00')).toEqual(['tm-format']);
  });

  it.each([
    ['256100', 'tm-invalid-time'],
    ['240000', 'tm-invalid-time'], // midnight is 000000, never 240000
    ['126000', 'tm-invalid-time'],
    ['120061', 'tm-invalid-time'],
    ['1', 'tm-format'],
    ['12305', 'tm-format'],
    ['1230.5', 'tm-format'], // a fraction needs the seconds
    ['123000.', 'tm-format'],
    ['123000.1234567', 'tm-format'],
    [' 123000', 'tm-format'],
    ['12 3000', 'tm-format'],
  ])('when the time is %j, then the rule is %s', (raw, rule) => {
    expect(rulesOf('TM', raw)).toContain(rule);
  });

  it('when the time is longer than 14 characters, then the length is reported', () => {
    expect(rulesOf('TM', '123000.123456   ')).toEqual(['length-exceeds-max']);
  });

  it('when the time is a query range, then it is reported as a range', () => {
    expect(rulesOf('TM', '0800-1700')).toEqual(['query-range-not-allowed']);
  });
});

describe('DT (PS3.5 Table 6.2-1)', () => {
  it.each([
    '2023',
    '202310',
    '20231015',
    '2023101507',
    '202310150715',
    '20231015071530',
    '20231015071530.123456',
    '20231015071530.123456+0100',
    '20231015-0500',
    '2023+1400',
    '2023-1200',
    '20161231235960',
    '20231015071530 ',
  ])('when the date-time is %j, then it is valid', (raw) => {
    expect(checkTextValue('DT', raw)).toEqual([]);
  });

  it.each([
    ['2023-10-15T07:15', 'dt-format'],
    ['202', 'dt-format'],
    ['2023101', 'dt-format'],
    ['20231015071530.1234567', 'dt-format'],
    ['20231015+01', 'dt-format'],
    ['20231301', 'dt-invalid-date'],
    ['20230229', 'dt-invalid-date'],
    ['2023101524', 'dt-invalid-time'],
    ['202310152360', 'dt-invalid-time'],
    ['20231015+1500', 'dt-offset-out-of-range'],
    ['20231015-1300', 'dt-offset-out-of-range'],
    ['20231015+0160', 'dt-offset-out-of-range'],
  ])('when the date-time is %j, then the rule is %s', (raw, rule) => {
    expect(rulesOf('DT', raw)).toContain(rule);
  });

  it('when the date-time is a query range, then it is reported as a range', () => {
    expect(rulesOf('DT', '20230101-20231231')).toEqual(['query-range-not-allowed']);
  });
});
