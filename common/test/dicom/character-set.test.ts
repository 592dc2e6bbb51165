import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeText, ElementReader, inheritCharacterSets, inspectStream, normaliseCharacterSets, Tag } from '../../src/index.ts';

/** Byte fixtures written as latin1 strings, so '\x1b$B' reads as the escape sequence it is. */
const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

/**
 * pydicom tests/test_charset.py ENCODED_NAMES: each single-byte set's bytes, led by its escape sequence
 * (PS3.3 Table C.12-3), and the text pydicom expects from them.
 */
const EncodedNames: ReadonlyArray<readonly [ir: string, escaped: string, decoded: string]> = [
  ['13', '\x1b)I\xd4\xcf\xc0\xde^\x1b)I\xc0\xdb\xb3', 'ﾔﾏﾀﾞ^ﾀﾛｳ'],
  ['100', '\x1b-ABuc^\x1b-AJ\xe9r\xf4me', 'Buc^Jérôme'],
  ['101', '\x1b-BWa\xb3\xeasa', 'Wałęsa'],
  ['109', '\x1b-Canta\xfdnomo', 'antaŭnomo'],
  ['110', '\x1b-Dv\xe0rds', 'vārds'],
  ['127', '\x1b-G\xe2\xc8\xc7\xe6\xea^\x1b-G\xe4\xe6\xd2\xc7\xd1', 'قباني^لنزار'],
  ['126', '\x1b-F\xc4\xe9\xef\xed\xf5\xf3\xe9\xef\xf2', 'Διονυσιος'],
  ['138', '\x1b-H\xf9\xf8\xe5\xef^\x1b-H\xe3\xe1\xe5\xf8\xe4', 'שרון^דבורה'],
  ['144', '\x1b-L\xbb\xee\xdace\xdc\xd1yp\xd3', 'Люкceмбypг'],
  ['148', '\x1b-M\xc7avu\xfeo\xf0lu', 'Çavuşoğlu'],
  ['166', '\x1b-T\xb9\xd2\xc1\xca\xa1\xd8\xc5', 'นามสกุล'],
  // Not in pydicom's list: ISO 8859-15 has the EURO SIGN at A4H, where Latin-1 has the CURRENCY SIGN.
  ['203', '\x1b-bPrice \xa43', 'Price €3'],
];

const withoutEscapes = (escaped: string): string => escaped.replace(/\x1b[-)][A-Za-z]/g, '');

describe('normaliseCharacterSets', () => {
  it('when (0008,0005) is absent or empty, then the default repertoire is the only value', () => {
    expect(normaliseCharacterSets(undefined)).toEqual(['']);
    expect(normaliseCharacterSets('')).toEqual(['']);
  });

  it('when value 1 is empty, then it stays empty so the default repertoire is the initial set', () => {
    expect(normaliseCharacterSets('\\ISO 2022 IR 87')).toEqual(['', 'ISO 2022 IR 87']);
  });

  it('when values carry padding, then it is trimmed', () => {
    expect(normaliseCharacterSets('ISO 2022 IR 13 \\ ISO 2022 IR 87\0')).toEqual(['ISO 2022 IR 13', 'ISO 2022 IR 87']);
  });
});

describe('inheritCharacterSets', () => {
  it('when a sequence item has no (0008,0005), then it inherits the enclosing data set’s (PS3.5 §7.5.3)', () => {
    const parent = ['ISO_IR 192'];
    expect(inheritCharacterSets(parent, undefined)).toBe(parent);
  });

  it('when a sequence item has its own (0008,0005), then that replaces the inherited one', () => {
    expect(inheritCharacterSets(['ISO_IR 192'], 'ISO 2022 IR 13\\ISO 2022 IR 87')).toEqual(['ISO 2022 IR 13', 'ISO 2022 IR 87']);
  });
});

describe('decodeText', () => {
  describe('when (0008,0005) has a single value (PS3.3 Table C.12-2, no code extensions)', () => {
    it.each(EncodedNames)('when it is ISO_IR %s, then the bytes read in that set', (ir, escaped, decoded) => {
      expect(decodeText(bytes(withoutEscapes(escaped)), [`ISO_IR ${ir}`])).toBe(decoded);
    });

    it('when it is absent, then ASCII reads as ASCII and a stray byte above 7FH shows as Latin-1', () => {
      expect(decodeText(bytes('Doe^John'), [''])).toBe('Doe^John');
      expect(decodeText(bytes('Ren\xe9'), ['ISO_IR 6'])).toBe('René');
    });

    // Bytes from FileInfo.txt of pydicom's chrX1/chrX2; the names are pydicom's for those files, plus the
    // trailing '=' the bytes hold (pydicom's PersonName drops an empty last component group).
    it('when it is ISO_IR 192, GB18030 or GBK (Table C.12-5), then the whole value is decoded at once', () => {
      expect(decodeText(bytes('Wang^XiaoDong=\xe7\x8e\x8b^\xe5\xb0\x8f\xe6\x9d\xb1='), ['ISO_IR 192'])).toBe('Wang^XiaoDong=王^小東=');
      expect(decodeText(bytes('Wang^XiaoDong=\xcd\xf5^\xd0\xa1\xb6\xab='), ['GB18030'])).toBe('Wang^XiaoDong=王^小东=');
      expect(decodeText(bytes('Wang^XiaoDong=\xcd\xf5^\xd0\xa1\xb6\xab='), ['GBK'])).toBe('Wang^XiaoDong=王^小东=');
    });

    it('when it is UTF-8 followed by code extensions, then the extensions are ignored (PS3.5 §6.1.2.5.4 d)', () => {
      // pydicom test_code_extensions_not_allowed
      expect(decodeText(bytes('Buc^J\xc3\xa9r\xc3\xb4me'), ['ISO_IR 192', 'ISO 2022 IR 100', 'ISO 2022 IR 144'])).toBe('Buc^Jérôme');
    });

    it('when the value holds an escape sequence, then it is an ESC character, not a switch (§6.1.2.5.4 b)', () => {
      // pydicom test_unknown_escape_sequence
      expect(decodeText(bytes('\x1b-F\xc4\xe9\xef\xed\xf5\xf3\xe9\xef\xf2'), ['ISO_IR 100'])).toBe('\x1b-FÄéïíõóéïò');
    });
  });

  describe('when a single-byte set is reached by an escape sequence (PS3.3 Table C.12-3)', () => {
    // pydicom test_single_byte_code_extensions: ASCII first, then the escaped part.
    it.each(EncodedNames)('when it is ISO 2022 IR %s, then the text after the escape reads in that set', (ir, escaped, decoded) => {
      expect(decodeText(bytes(`ASCII+${escaped}`), ['', `ISO 2022 IR ${ir}`], { vr: 'PN' })).toBe(`ASCII+${decoded}`);
    });

    it('when no escape sequence comes, then value 1 is used (pydicom regression #707)', () => {
      expect(decodeText(bytes('R\xf6ntgenaufnahme'), ['ISO 2022 IR 100', 'ISO 2022 IR 144'], { vr: 'LO' })).toBe('Röntgenaufnahme');
    });

    it('when the set changes inside a text value, then each part reads in its own set', () => {
      // pydicom test_single_byte_multi_charset_text
      const value = bytes('Dionysios is \x1b-F\xc4\xe9\xef\xed\xf5\xf3\xe9\xef\xf2');
      expect(decodeText(value, ['ISO 2022 IR 100', 'ISO 2022 IR 126'], { vr: 'LO' })).toBe('Dionysios is Διονυσιος');
    });
  });

  describe('when a multi-byte set is reached by an escape sequence (PS3.3 Table C.12-4)', () => {
    it('when JIS X 0208 is designated with ESC $ B, then the 7-bit pairs read as kanji and kana (chrH31 bytes)', () => {
      const value = bytes('Yamada^Tarou=\x1b$B;3ED\x1b(B^\x1b$BB@O:\x1b(B=\x1b$B$d$^$@\x1b(B^\x1b$B$?$m$&\x1b(B');
      expect(decodeText(value, ['', 'ISO 2022 IR 87'], { vr: 'PN' })).toBe('Yamada^Tarou=山田^太郎=やまだ^たろう');
    });

    it('when value 1 is ISO 2022 IR 13, then unescaped bytes read as JIS X 0201 katakana (chrH32 bytes)', () => {
      const value = bytes('\xd4\xcf\xc0\xde^\xc0\xdb\xb3=\x1b$B;3ED\x1b(J^\x1b$BB@O:\x1b(J');
      expect(decodeText(value, ['ISO 2022 IR 13', 'ISO 2022 IR 87'], { vr: 'PN' })).toBe('ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎');
    });

    it('when JIS X 0212 is designated with ESC $ ( D, then its kanji read too', () => {
      // pydicom test_japanese_multi_byte_personname: 鷗 is only in JIS X 0212.
      const value = bytes('Mori^Ogai=\x1b$B?9\x1b(B^\x1b$(Dl?\x1b$B30\x1b(B=\x1b$B$b$j\x1b(B^\x1b$B$*$&$,$$\x1b(B');
      expect(decodeText(value, ['ISO 2022 IR 6', 'ISO 2022 IR 87', 'ISO 2022 IR 159'], { vr: 'PN' })).toBe(
        'Mori^Ogai=森^鷗外=もり^おうがい',
      );
    });

    it('when G0 and G1 are redesignated back and forth, then every set reads its own characters', () => {
      // pydicom test_japanese_multi_byte_encoding, whose encodings are these three terms.
      const value = bytes('\x1b$B$"\x1b(Ja\x1b)I\xb1\x1b$B%"\x1b$(DmN\x1b(J');
      expect(decodeText(value, ['ISO 2022 IR 13', 'ISO 2022 IR 87', 'ISO 2022 IR 159'], { vr: 'LO' })).toBe('あaｱア齩');
    });

    it('when KS X 1001 is designated with ESC $ ) C, then the GR pairs read as Hanja and Hangul (chrI2 bytes)', () => {
      const value = bytes('Hong^Gildong=\x1b$)C\xfb\xf3^\x1b$)C\xd1\xce\xd4\xd7=\x1b$)C\xc8\xab^\x1b$)C\xb1\xe6\xb5\xbf');
      expect(decodeText(value, ['', 'ISO 2022 IR 149'], { vr: 'PN' })).toBe('Hong^Gildong=洪^吉洞=홍^길동');
    });

    it('when GB 2312 is designated with ESC $ ) A, then the GR pairs read as Chinese', () => {
      // Built like PS3.5 Annex K's ISO 2022 IR 58 name; 张 (D5C5H) checked with Python's gb2312 codec,
      // 小东 is chrX2's given name as pydicom reads it.
      const value = bytes('Zhang^XiaoDong=\x1b$)A\xd5\xc5^\x1b$)A\xd0\xa1\xb6\xab=');
      expect(decodeText(value, ['', 'ISO 2022 IR 58'], { vr: 'PN' })).toBe('Zhang^XiaoDong=张^小东=');
    });

    it('when a JIS X 0208 run ends on half a character, then the half becomes U+FFFD', () => {
      expect(decodeText(bytes('\x1b$B;3E\x1b(BA'), ['', 'ISO 2022 IR 87'])).toBe('山\ufffdA');
    });
  });

  describe('when a delimiter comes before the escape back to value 1 (PS3.5 §6.1.2.5.3)', () => {
    // Katakana after '^' without a new ESC ) I: in a PN the caret returned G1 to "undefined" (value 1 empty).
    const missingEscape = bytes('ASCII+\x1b)I\xd4\xcf\xc0\xde^\xc0\xdb\xb3');

    it('when the VR is PN and "^" comes, then the set of value 1 is back (pydicom test_missing_escape…)', () => {
      expect(decodeText(missingEscape, ['', 'ISO 2022 IR 13'], { vr: 'PN' })).toBe('ASCII+ﾔﾏﾀﾞ^ÀÛ³');
    });

    it('when the VR is not PN, then "^" is an ordinary character and the designation holds', () => {
      expect(decodeText(missingEscape, ['', 'ISO 2022 IR 13'], { vr: 'LO' })).toBe('ASCII+ﾔﾏﾀﾞ^ﾀﾛｳ');
    });

    it('when the VR is PN and "=" comes, then the set of value 1 is back', () => {
      expect(decodeText(bytes('\x1b-F\xc4=\xc4'), ['ISO 2022 IR 100', 'ISO 2022 IR 126'], { vr: 'PN' })).toBe('Δ=Ä');
    });

    it.each([
      ['CR LF', '\r\n'],
      ['TAB', '\t'],
      ['FF', '\f'],
    ])('when %s comes in a text value, then the set of value 1 is back', (_name, control) => {
      const value = bytes(`\x1b-L\xbb${control}\xbb`);
      expect(decodeText(value, ['ISO 2022 IR 100', 'ISO 2022 IR 144'], { vr: 'LT' })).toBe(`Л${control}»`);
    });

    it('when "\\" separates values, then each value starts in the set of value 1', () => {
      expect(decodeText(bytes('\x1b-F\xc4\\\xc4'), ['ISO 2022 IR 100', 'ISO 2022 IR 126'], { vr: 'LO' })).toBe('Δ\\Ä');
      // pydicom test_single_byte_multi_charset_text, multi-valued part
      const values = bytes('Buc^J\xe9r\xf4me\\\x1b-F\xc4\xe9\xef\xed\xf5\xf3\xe9\xef\xf2\\\x1b-L\xbb\xee\xdace\xdc\xd1yp\xd3');
      expect(decodeText(values, ['ISO 2022 IR 100', 'ISO 2022 IR 144', 'ISO 2022 IR 126'], { vr: 'LO' })).toBe(
        'Buc^Jérôme\\Διονυσιος\\Люкceмбypг',
      );
    });

    it('when "\\" is in an LT, then it is an ordinary character (single-valued VR) and the designation holds', () => {
      expect(decodeText(bytes('\x1b-F\xc4\\\xc4'), ['ISO 2022 IR 100', 'ISO 2022 IR 126'], { vr: 'LT' })).toBe('Δ\\Δ');
    });

    it('when "^" is half of a JIS X 0208 character, then it is not a delimiter (ま is 24H 5EH)', () => {
      expect(decodeText(bytes('\x1b$B$d$^$@\x1b(B'), ['', 'ISO 2022 IR 87'], { vr: 'PN' })).toBe('やまだ');
    });

    it('when CR LF comes inside JIS X 0208, then ASCII is back for the next line', () => {
      expect(decodeText(bytes('\x1b$B;3\r\nA'), ['', 'ISO 2022 IR 87'], { vr: 'LT' })).toBe('山\r\nA');
    });
  });

  describe('when the terms are unknown or misspelled', () => {
    it('when value 1 is unknown, then the default repertoire reads it, stray bytes as Latin-1', () => {
      expect(decodeText(bytes('CompressedSamples^CT1'), ['UNSUPPORTED'])).toBe('CompressedSamples^CT1');
      expect(decodeText(bytes('Buc^J\xe9r\xf4me'), ['ISO_IR 999'])).toBe('Buc^Jérôme');
    });

    it('when a later value is unknown, then value 1 still reads the value (pydicom test_invalid_second_encoding)', () => {
      expect(decodeText(bytes('Buc^J\xe9r\xf4me'), ['ISO 2022 IR 100', 'ISO 2022 IR 146'])).toBe('Buc^Jérôme');
    });

    it('when an escape sequence is not one DICOM defines, then it stays visible as ESC and the set holds', () => {
      expect(decodeText(bytes('\x1b-F\xc4\x1b$)Z\xc4'), ['ISO 2022 IR 100', 'ISO 2022 IR 126'])).toBe('Δ\x1b$)ZΔ');
    });

    it('when a term is spelled as pydicom sees it in the wild, then it is read by its IR number', () => {
      // pydicom test_patched_charset and test_patched_code_extension_charset
      expect(decodeText(bytes('Buc^J\xc3\xa9r\xc3\xb4me'), ['ISO IR 192'])).toBe('Buc^Jérôme');
      const greek = bytes('Dionysios=\x1b-F\xc4\xe9\xef\xed\xf5\xf3\xe9\xef\xf2');
      expect(decodeText(greek, ['ISO_2022-IR 100', 'ISO 2022 IR 126'], { vr: 'PN' })).toBe('Dionysios=Διονυσιος');
      expect(decodeText(greek, ['ISO 2022 IR 100', 'ISO_2022_IR+126'], { vr: 'PN' })).toBe('Dionysios=Διονυσιος');
    });

    it('when value 1 is ISO_IR 13 in a multi-valued set, then it is taken as ISO 2022 IR 13 (dcm4che #869)', () => {
      expect(decodeText(bytes('\xd4\xcf\xc0\xde=\x1b$B;3ED\x1b(J'), ['ISO_IR 13', 'ISO 2022 IR 87'], { vr: 'PN' })).toBe('ﾔﾏﾀﾞ=山田');
    });

    it('when bytes are arbitrary, then decoding never throws, whatever the character sets', () => {
      const termSets = [
        [''],
        ['ISO_IR 100'],
        ['ISO_IR 13'],
        ['ISO_IR 192'],
        ['GB18030'],
        ['GBK'],
        ['NOT A TERM'],
        ['', 'ISO 2022 IR 87', 'ISO 2022 IR 159'],
        ['ISO 2022 IR 13', 'ISO 2022 IR 87'],
        ['', 'ISO 2022 IR 149'],
        ['', 'ISO 2022 IR 58'],
        ['ISO 2022 IR 100', 'ISO 2022 IR 126', 'ISO 2022 IR 166'],
      ];
      // Deterministic pseudo-random bytes, rich in ESC and in the bytes escape sequences are made of.
      let seed = 1;
      const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 256;
      const alphabet = [0x1b, 0x24, 0x28, 0x29, 0x2d, 0x41, 0x42, 0x43, 0x44, 0x49, 0x4a, 0x5c, 0x5e, 0x3d, 0x0d];
      for (let round = 0; round < 500; round++) {
        const value = Buffer.from(
          Array.from({ length: next() % 40 }, () => (next() % 3 === 0 ? alphabet[next() % alphabet.length]! : next())),
        );
        for (const sets of termSets) {
          for (const vr of ['PN', 'LO', 'LT', undefined] as const) expect(typeof decodeText(value, sets, { vr })).toBe('string');
        }
      }
    });
  });

  describe('when the VR keeps the default repertoire (PS3.5 §6.1.2.2)', () => {
    it('when the VR is CS, then (0008,0005) does not apply', () => {
      expect(decodeText(bytes('\xbb'), ['ISO_IR 144'], { vr: 'CS' })).toBe('»');
      expect(decodeText(bytes('\xbb'), ['ISO_IR 144'], { vr: 'LO' })).toBe('Л');
    });
  });
});

const CharsetFiles = '/usr/lib/python3/dist-packages/pydicom/data/charset_files';
const haveCharsetFiles = existsSync(CharsetFiles);

/**
 * Expected names from pydicom's tests/test_charset.py FILE_PATIENT_NAMES (pydicom/pydicom on GitHub), which
 * also agree with Debian's pydicom 2.3.1 reading these files (`/usr/bin/python3 -c "import pydicom; …"`).
 * chrX1 and chrX2 keep the trailing '=' their bytes hold: ElementReader returns the value as written, while
 * pydicom's PersonName drops the empty last component group.
 */
const FilePatientNames: ReadonlyArray<readonly [file: string, name: string]> = [
  ['chrArab', 'قباني^لنزار'],
  ['chrFren', 'Buc^Jérôme'],
  ['chrFrenMulti', 'Buc^Jérôme'],
  ['chrGerm', 'Äneas^Rüdiger'],
  ['chrGreek', 'Διονυσιος'],
  ['chrH31', 'Yamada^Tarou=山田^太郎=やまだ^たろう'],
  ['chrH32', 'ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう'],
  ['chrHbrw', 'שרון^דבורה'],
  ['chrI2', 'Hong^Gildong=洪^吉洞=홍^길동'],
  ['chrJapMulti', 'やまだ^たろう'],
  ['chrJapMultiExplicitIR6', 'やまだ^たろう'],
  ['chrKoreanMulti', '김희중'],
  ['chrRuss', 'Люкceмбypг'],
  ['chrX1', 'Wang^XiaoDong=王^小東='],
  ['chrX2', 'Wang^XiaoDong=王^小东='],
];

/** pydicom test_nested_character_sets / test_inherited_character_set_in_sequence. */
const SequenceItemName = 'ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう';

async function readSample(file: string): Promise<ElementReader> {
  const inspection = await inspectStream(createReadStream(join(CharsetFiles, `${file}.dcm`)));
  expect(inspection.issues).toEqual([]);
  return new ElementReader(inspection.parsed!);
}

describe.skipIf(!haveCharsetFiles)(
  haveCharsetFiles
    ? 'pydicom charset sample files'
    : `pydicom charset sample files (skipped: ${CharsetFiles} is absent; apt install python3-pydicom)`,
  () => {
    it.each(FilePatientNames)('when %s.dcm is read, then PatientName decodes as pydicom decodes it', async (file, name) => {
      const reader = await readSample(file);
      expect(reader.text('PatientName')).toBe(name);
    });

    it('when a sequence item has its own (0008,0005), then decoding with it gives the item’s name (chrSQEncoding)', async () => {
      const reader = await readSample('chrSQEncoding');
      expect(reader.characterSets).toEqual(['ISO_IR 192']);
      const item = reader.parsed.dataset.get(Tag.RequestedProcedureCodeSequence)!.items![0]!;
      const itemSets = inheritCharacterSets(reader.characterSets, reader.text('SpecificCharacterSet', item));
      expect(itemSets).toEqual(['ISO 2022 IR 13', 'ISO 2022 IR 87']);
      expect(decodeText(reader.bytes(item.get(Tag.PatientName))!, itemSets, { vr: 'PN' })).toBe(SequenceItemName);
    });

    it('when a sequence item has no (0008,0005), then the data set’s applies (chrSQEncoding1)', async () => {
      const reader = await readSample('chrSQEncoding1');
      const item = reader.parsed.dataset.get(Tag.RequestedProcedureCodeSequence)!.items![0]!;
      expect(item.has(Tag.SpecificCharacterSet)).toBe(false);
      expect(reader.text('PatientName', item)).toBe(SequenceItemName);
    });
  },
);
