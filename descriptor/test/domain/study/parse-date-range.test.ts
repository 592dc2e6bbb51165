import { describe, expect, it } from 'vitest';
import { parseDateRange } from '../../../src/domain/study/parse-date-range.ts';

describe('parseDateRange', () => {
  it.each([
    ['20231105', { from: '2023-11-05', to: '2023-11-05' }],
    ['2023-11-05', { from: '2023-11-05', to: '2023-11-05' }],
    ['20231101-20231130', { from: '2023-11-01', to: '2023-11-30' }],
    ['2023-11-01-2023-11-30', { from: '2023-11-01', to: '2023-11-30' }],
    ['20231101-2023-11-30', { from: '2023-11-01', to: '2023-11-30' }],
    ['20231101-', { from: '2023-11-01', to: null }],
    ['-20231130', { from: null, to: '2023-11-30' }],
    ['20240229', { from: '2024-02-29', to: '2024-02-29' }],
  ])('when the value is %s, then the range is %o', (value, range) => {
    expect(parseDateRange(value)).toEqual(range);
  });

  it.each([
    '',
    '-',
    '2023',
    '202311',
    '2023-11',
    '20231131',
    '20230229',
    '20231301',
    '20231130-20231101',
    '2023/11/05',
    '20231105T1200',
    '--20231105',
    '20231105--',
  ])('when the value is %j, then it is refused', (value) => {
    expect(parseDateRange(value)).toBeNull();
  });
});
