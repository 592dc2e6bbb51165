import { describe, expect, it } from 'vitest';
import { formatDicomDate, formatDicomDateTime, formatDicomTime, formatUtcOffset } from '../../../src/domain/metadata/dicom-dates.ts';

describe('formatDicomDate (DA, PS3.5 §6.2)', () => {
  it('when the value is YYYYMMDD, then it is written YYYY-MM-DD', () => {
    expect(formatDicomDate('20231105')).toBe('2023-11-05');
  });

  it('when the date is 29 February of a leap year, then it is kept', () => {
    expect(formatDicomDate('20240229')).toBe('2024-02-29');
    expect(formatDicomDate('20000229')).toBe('2000-02-29');
  });

  it.each(['20230229', '19000229', '20231301', '20231100', '20230431', '2023-11-05', '2023110', '', 'abcdefgh'])(
    'when the value is %j, then it is not a date (null), not a guess',
    (value) => {
      expect(formatDicomDate(value)).toBeNull();
    },
  );

  it('when the value is absent, then the answer is null', () => {
    expect(formatDicomDate(undefined)).toBeNull();
  });
});

describe('formatDicomTime (TM)', () => {
  it.each([
    ['142530.123', '14:25:30.123'],
    ['142530', '14:25:30'],
    ['1425', '14:25'],
    ['14', '14'],
    ['000000.000001', '00:00:00.000001'],
    ['235960', '23:59:60'],
  ])('when the value is %j, then it is %j with the precision it has', (value, iso) => {
    expect(formatDicomTime(value)).toBe(iso);
  });

  it.each(['2400', '1460', '142561', '14253', '142530.1234567', '14:25:30', '1'])('when the value is %j, then it is null', (value) => {
    expect(formatDicomTime(value)).toBeNull();
  });
});

describe('formatDicomDateTime (DT)', () => {
  it.each([
    ['20231105142530+0100', '2023-11-05T14:25:30+01:00'],
    ['20231105142530.5-0500', '2023-11-05T14:25:30.5-05:00'],
    ['20231105142530', '2023-11-05T14:25:30'],
    ['202311051425', '2023-11-05T14:25'],
    ['2023110514', '2023-11-05T14'],
    ['20231105', '2023-11-05'],
    ['202311', '2023-11'],
    ['2023', '2023'],
  ])('when the value is %j, then it is %j', (value, iso) => {
    expect(formatDicomDateTime(value)).toBe(iso);
  });

  it.each(['20231305', '20231105250000', '20231105142530+1500', '20231105142530+01', '2023-11-05T14:25'])(
    'when the value is %j, then it is null',
    (value) => {
      expect(formatDicomDateTime(value)).toBeNull();
    },
  );
});

describe('formatUtcOffset (&ZZXX)', () => {
  it('when the offset is -0500, then it is -05:00', () => {
    expect(formatUtcOffset('-0500')).toBe('-05:00');
  });

  it('when the offset is outside -1200..+1400, then it is null', () => {
    expect(formatUtcOffset('+1401')).toBeNull();
    expect(formatUtcOffset('-1201')).toBeNull();
    expect(formatUtcOffset('+1400')).toBe('+14:00');
  });
});
