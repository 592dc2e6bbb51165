import { describe, expect, it } from 'vitest';
import { isValidUid } from '@dsv/common';
import { checkTextValue } from '../../../src/domain/vr/check-value.ts';

const rulesOf = (raw: string): string[] => checkTextValue('UI', raw).map((p) => p.rule);
const UID_64 = `1.2.${'3'.repeat(60)}`;
const UID_76 = `1.2.840.10008.${'1'.repeat(62)}`;

describe('the UID grammar, isValidUid from common (PS3.5 §9.1)', () => {
  it('when a UI value carries the one trailing NUL that pads it to even length, then the value is fine and the UID without it is valid', () => {
    expect(rulesOf('1.2.840.10008.1.2.1\0')).toEqual([]);
    expect(isValidUid('1.2.840.10008.1.2.1')).toBe(true);
  });

  it.each(['1.2.840.10008.1.2.1', '0', '1.0.2', '2.25.329800735698586629295641978511506172918', UID_64])(
    'when the UID is %j, then it is valid',
    (uid) => {
      expect(isValidUid(uid)).toBe(true);
    },
  );

  it.each([
    '1.2.840.ABC.1',
    UID_76,
    '1.2.826.0.01.3680043',
    '../../etc',
    '',
    '1..2',
    '.1.2',
    '1.2.',
    ' 1.2.3',
    '1.2.3 ',
    '1.2.3\0\0',
    '\u00001.2.3',
    '1.2.3\\1.2.4',
  ])('when the UID is %j, then it is invalid', (uid) => {
    expect(isValidUid(uid)).toBe(false);
  });
});

describe('UI values', () => {
  it('when the UID is NUL padded (corpus), then there is no problem', () => {
    expect(checkTextValue('UI', '1.2.840.10008.1.2.1\0')).toEqual([]);
  });

  it('when a UID has letters (corpus), then the bad character is quoted', () => {
    const problems = checkTextValue('UI', '1.2.840.ABC.1');
    expect(problems.map((p) => p.rule)).toEqual(['ui-bad-character']);
    expect(problems[0]?.message).toContain('"1.2.840.ABC.1"');
  });

  it('when a UID is 76 characters (corpus), then it is too long', () => {
    expect(rulesOf(UID_76)).toEqual(['ui-too-long']);
  });

  it('when a component has a leading zero (corpus), then that rule is reported', () => {
    const problems = checkTextValue('UI', '1.2.826.0.01.3680043');
    expect(problems.map((p) => p.rule)).toEqual(['ui-component-leading-zero']);
    expect(problems[0]?.message).toContain("'01'");
  });

  it('when the UID is a path (corpus "../../etc"), then it is a bad character', () => {
    expect(rulesOf('../../etc')).toContain('ui-bad-character');
  });

  it.each([['1..2'], ['1.2.'], ['.1']])('when the UID is %j, then it has an empty component', (raw) => {
    expect(rulesOf(raw)).toEqual(['ui-empty-component']);
  });

  it('when a UID is padded with a space, then the padding is the wrong character', () => {
    expect(rulesOf('1.2.3 ')).toEqual(['padding-wrong-character']);
  });

  it('when a NUL sits inside the value, then it is a bad character', () => {
    expect(rulesOf('1.2.3\0\\1.2.4')).toEqual(['ui-bad-character']);
  });

  it('when one of several UIDs is empty, then it is reported with its index', () => {
    expect(checkTextValue('UI', '1.2.3\\\\1.2.4')).toEqual([expect.objectContaining({ rule: 'ui-empty-value', valueIndex: 1 })]);
  });

  it('when the field holds two valid UIDs, NUL padded, then there is no problem', () => {
    expect(checkTextValue('UI', '1.2.3\\1.2.40\0')).toEqual([]);
  });
});
