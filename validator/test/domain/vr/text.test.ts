import { describe, expect, it } from 'vitest';
import { checkTextValue, type TextVr } from '../../../src/domain/vr/check-value.ts';

const rulesOf = (vr: TextVr, raw: string): string[] => checkTextValue(vr, raw).map((p) => p.rule);

describe('CS (PS3.5 Table 6.2-1)', () => {
  it.each(['ORIGINAL\\PRIMARY\\AXIAL', 'CT', 'ISO_IR 100', ' MR ', 'M', 'F', 'O'])(
    'when the code string is %j, then it is valid',
    (raw) => {
      expect(checkTextValue('CS', raw)).toEqual([]);
    },
  );

  it('when PatientSex is "X" (corpus), then it is valid for the VR: only the enumerated-value check, elsewhere, rejects it', () => {
    // PS3.3 C.7.1.1 lists M, F, O for Patient's Sex; that is an Enumerated Value rule (PS3.5 §6.3), not a VR rule.
    expect(checkTextValue('CS', 'X')).toEqual([]);
  });

  it.each([['ct'], ['CT-1'], ['A.B'], ['É']])('when the code string is %j, then it has a bad character', (raw) => {
    const problems = checkTextValue('CS', raw);
    expect(problems.map((p) => p.rule)).toEqual(['cs-bad-character']);
    expect(problems[0]?.message).toContain(JSON.stringify(raw));
  });

  it('when the code string is 17 characters, then it is too long', () => {
    expect(rulesOf('CS', 'ABCDEFGHIJKLMNOPQ')).toEqual(['length-exceeds-max']);
  });

  it('when a CS ends in NUL bytes, then that is NUL padding (a warning of its own), the value read without them', () => {
    expect(rulesOf('CS', 'CT\0')).toEqual(['padding-nul']);
    expect(rulesOf('CS', 'CT\0\0\0')).toEqual(['padding-nul']);
  });

  it('when a CS holds nothing but NUL bytes, then stripping them would change its meaning: the wrong padding character', () => {
    expect(rulesOf('CS', '\0\0')).toContain('padding-wrong-character');
  });
});

describe('AE (PS3.5 Table 6.2-1)', () => {
  it.each(['STORESCP', ' ORTHANC ', 'my-ae.01'])('when the AE title is %j, then it is valid', (raw) => {
    expect(checkTextValue('AE', raw)).toEqual([]);
  });

  it.each([
    ['AE\tTITLE', 'ae-bad-character'],
    ['TITLÉ', 'ae-bad-character'],
    ['    ', 'ae-all-spaces'],
    ['ABCDEFGHIJKLMNOPQ', 'length-exceeds-max'],
  ])('when the AE title is %j, then the rule is %s', (raw, rule) => {
    expect(rulesOf('AE', raw)).toContain(rule);
  });
});

describe('AS (PS3.5 Table 6.2-1)', () => {
  it.each(['018M', '045Y', '003W', '010D'])('when the age is %j, then it is valid', (raw) => {
    expect(checkTextValue('AS', raw)).toEqual([]);
  });

  it.each(['45Y', '045', '045y', '045YR', 'Y045', '04.5Y'])('when the age is %j, then it breaks the format', (raw) => {
    expect(rulesOf('AS', raw)).toContain('as-format');
  });
});

describe('SH, LO, UC (PS3.5 Table 6.2-1)', () => {
  it.each<[TextVr, string]>([
    ['SH', 'ACC-0001'],
    ['SH', ' padded '],
    ['LO', 'Chest CT with contrast, ünïcode ok'],
    ['LO', `${'x'.repeat(64)}`],
    ['LO', 'First\\Second'],
    ['SH', '\u001b$B;3ED\u001b(B'],
    ['UC', 'x'.repeat(5000)],
  ])('when %s is %j, then it is valid', (vr, raw) => {
    expect(checkTextValue(vr, raw)).toEqual([]);
  });

  it.each<[TextVr, string, string]>([
    ['SH', 'x'.repeat(17), 'length-exceeds-max'],
    ['LO', 'x'.repeat(65), 'length-exceeds-max'],
    ['LO', 'line\nbreak', 'control-character'],
    ['SH', 'tab\there', 'control-character'],
    ['UC', 'bell\u0007', 'control-character'],
  ])('when %s is %j, then the rule is %s', (vr, raw, rule) => {
    expect(rulesOf(vr, raw)).toContain(rule);
  });

  it('when a control character is reported, then the message names it by code point', () => {
    expect(checkTextValue('LO', 'a\u0007b')[0]?.message).toContain('U+0007');
  });
});

describe('ST, LT, UT (PS3.5 Table 6.2-1)', () => {
  it.each<[TextVr, string]>([
    ['ST', 'Line one\r\nLine two\fPage\tTabbed'],
    ['LT', '  leading spaces are significant and allowed'],
    ['LT', 'a\\b is text, not two values'],
    ['LT', 'x'.repeat(10240)],
    ['ST', 'x'.repeat(1024)],
    ['UT', 'x'.repeat(20000)],
  ])('when %s is %j, then it is valid', (vr, raw) => {
    expect(checkTextValue(vr, raw)).toEqual([]);
  });

  it.each<[TextVr, string, string]>([
    ['ST', 'x'.repeat(1025), 'length-exceeds-max'],
    ['LT', 'x'.repeat(10241), 'length-exceeds-max'],
    ['UT', 'nul\0inside', 'control-character'],
    ['LT', 'vertical\u000btab', 'control-character'],
  ])('when %s is %j, then the rule is %s', (vr, raw, rule) => {
    expect(rulesOf(vr, raw)).toContain(rule);
  });

  it('when a long value is quoted, then the message cuts it short', () => {
    const message = checkTextValue('ST', 'x'.repeat(1025))[0]?.message ?? '';
    expect(message.length).toBeLessThan(200);
  });
});

describe('UR (PS3.5 §6.2.3)', () => {
  it.each(['http://example.org/wado?study=1.2.3&x=%20', 'urn:oid:1.2.3', '../../etc', 'https://h/p '])(
    'when the URI is %j, then it is valid',
    (raw) => {
      expect(checkTextValue('UR', raw)).toEqual([]);
    },
  );

  it.each([
    [' http://example.org', 'ur-leading-space'],
    ['http://example.org/a b', 'ur-bad-character'],
    ['http://example.org/a\\b', 'ur-bad-character'],
    ['http://exämple.org', 'ur-bad-character'],
  ])('when the URI is %j, then the rule is %s', (raw, rule) => {
    expect(rulesOf('UR', raw)).toEqual([rule]);
  });
});
