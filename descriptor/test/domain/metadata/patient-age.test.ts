import { describe, expect, it } from 'vitest';
import { parsePatientAge } from '../../../src/domain/metadata/patient-age.ts';

describe('parsePatientAge (AS, PS3.5 §6.2)', () => {
  it.each([
    ['045Y', { value: 45, unit: 'years' }],
    ['003M', { value: 3, unit: 'months' }],
    ['012W', { value: 12, unit: 'weeks' }],
    ['001D', { value: 1, unit: 'days' }],
    ['000Y', { value: 0, unit: 'years' }],
  ])('when the value is %j, then it is %o', (value, age) => {
    expect(parsePatientAge(value)).toEqual(age);
  });

  it.each(['45Y', '045', '045y', '045A', 'Y045', '', undefined])('when the value is %j, then it is null', (value) => {
    expect(parsePatientAge(value)).toBeNull();
  });
});
