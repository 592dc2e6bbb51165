import { describe, expect, it } from 'vitest';
import { element, minimalDataset, part10 } from '../../../../test/support/dicom-bytes.ts';
import { corpusAvailable, corpusPath } from '../../../../test/support/corpus.ts';
import { parsePersonName, type PersonNameComponents } from '../../../src/domain/metadata/person-name.ts';
import { referenceValues } from '../../support/reference-values.ts';
import { readerFor } from '../../support/inspect-bytes.ts';

const ESC = '\x1b';

describe('parsePersonName (PN, PS3.5 §6.2.1)', () => {
  it('when a name has five components, then each lands in its own key', () => {
    expect(parsePersonName('Adams^John Robert Quincy^^Rev.^B.A. M.Div.')).toEqual({
      alphabetic: { familyName: 'Adams', givenName: 'John Robert Quincy', middleName: null, namePrefix: 'Rev.', nameSuffix: 'B.A. M.Div.' },
    });
  });

  it('when only the family name is given, then the other components are null', () => {
    expect(parsePersonName('Morrison-Jones')).toEqual({
      alphabetic: { familyName: 'Morrison-Jones', givenName: null, middleName: null, namePrefix: null, nameSuffix: null },
    });
  });

  it('when the alphabetic group is empty but the ideographic is not, then only the ideographic group is there', () => {
    expect(parsePersonName('=山田^太郎')).toEqual({
      ideographic: { familyName: '山田', givenName: '太郎', middleName: null, namePrefix: null, nameSuffix: null },
    });
  });

  it('when the value is absent or only delimiters, then it is null', () => {
    expect(parsePersonName(undefined)).toBeNull();
    expect(parsePersonName('^^==')).toBeNull();
  });
});

describe('person names read from file bytes', () => {
  it('when PatientName is Müller^Hans in ISO_IR 100 bytes, then the umlaut survives', () => {
    const latin1 = Buffer.from([0x4d, 0xfc, 0x6c, 0x6c, 0x65, 0x72, 0x5e, 0x48, 0x61, 0x6e, 0x73, 0x20]); // 'Müller^Hans ' (0xFC = ü)
    const file = part10(minimalDataset([element('00080005', 'CS', 'ISO_IR 100'), element('00100010', 'PN', latin1)]));
    const name = parsePersonName(readerFor(file).text('PatientName'));
    expect(name?.alphabetic).toMatchObject({ familyName: 'Müller', givenName: 'Hans' });
  });

  it('when PatientName is Yamada^Tarou=山田^太郎=やまだ^たろう in ISO 2022 IR 87 (PS3.5 Annex H), then all three groups are split', () => {
    // JIS X 0208 in G0 after ESC $ B, back to ASCII after ESC ( B; the delimiters stay ASCII.
    const jis = (text: string): string => `${ESC}$B${text}${ESC}(B`;
    const value = `Yamada^Tarou=${jis(';3ED')}^${jis('B@O:')}=${jis('$d$^$@')}^${jis('$?$m$&')}`;
    const file = part10(
      minimalDataset([element('00080005', 'CS', '\\ISO 2022 IR 87'), element('00100010', 'PN', Buffer.from(value, 'latin1'))]),
    );
    expect(parsePersonName(readerFor(file).text('PatientName'))).toEqual({
      alphabetic: { familyName: 'Yamada', givenName: 'Tarou', middleName: null, namePrefix: null, nameSuffix: null },
      ideographic: { familyName: '山田', givenName: '太郎', middleName: null, namePrefix: null, nameSuffix: null },
      phonetic: { familyName: 'やまだ', givenName: 'たろう', middleName: null, namePrefix: null, nameSuffix: null },
    });
  });

  it.skipIf(!corpusAvailable)('when chrX1.dcm (ISO_IR 192) is read, then its groups put back together give what dcmdump printed', () => {
    const expected = referenceValues('valid/samples/chrX1.dcm')('PatientName');
    const name = parsePersonName(readerFor(corpusPath('valid/samples/chrX1.dcm')).text('PatientName'));
    expect(name?.ideographic?.familyName).toMatch(/^\p{Script=Han}+$/u);
    const group = (components?: PersonNameComponents): string => (components ? `${components.familyName}^${components.givenName}` : '');
    expect(`${group(name?.alphabetic)}=${group(name?.ideographic)}=${group(name?.phonetic)}`).toBe(expected);
  });
});
