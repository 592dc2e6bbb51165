import { describe, expect, it } from 'vitest';
import { checkTextValue } from '../../../src/domain/vr/check-value.ts';

const rulesOf = (raw: string): string[] => checkTextValue('PN', raw).map((p) => p.rule);

describe('PN (PS3.5 §6.2.1)', () => {
  it.each([
    'Doe^John',
    'Doe^John^Q^Dr^Jr',
    'Adams^John Robert Quincy^^Rev.^B.A. M.Div.',
    'Yamada^Tarou=\u001b$B;3ED\u001b(B^\u001b$BB@O:\u001b(B=\u001b$B$d$^$@\u001b(B^\u001b$B$?$m$&\u001b(B',
    '=Wang^XiaoDong',
    'Doe^John\\Roe^Jane',
    'Doe^John ',
    `${'A'.repeat(64)}=${'B'.repeat(64)}`,
  ])('when the name is %j, then it is valid', (raw) => {
    expect(checkTextValue('PN', raw)).toEqual([]);
  });

  it('when the name has four component groups, then there are too many groups', () => {
    expect(rulesOf('A=B=C=D')).toEqual(['pn-too-many-groups']);
  });

  it('when a group has six components, then there are too many components', () => {
    expect(rulesOf('A^B^C^D^E^F')).toEqual(['pn-too-many-components']);
  });

  it('when a group is 65 characters, then the group is too long', () => {
    expect(rulesOf(`${'A'.repeat(65)}=B`)).toEqual(['pn-group-too-long']);
  });

  it('when escape sequences push a group past 64 bytes, then they are not counted (PS3.5 §6.2)', () => {
    expect(rulesOf(`\u001b$B${'A'.repeat(60)}\u001b(B`)).toEqual([]);
  });

  it('when the name holds a line feed, then it is a control character', () => {
    expect(rulesOf('Doe\nJohn')).toEqual(['control-character']);
  });
});
