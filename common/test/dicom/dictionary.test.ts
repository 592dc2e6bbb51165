import { describe, expect, it } from 'vitest';
import {
  formatTag,
  isPrivateCreatorTag,
  isPrivateTag,
  lookupKeyword,
  lookupTag,
  Tag,
  tagFromGroupElement,
  type TagKeyword,
} from '../../src/dicom/dictionary.ts';

describe('lookupTag', () => {
  it('when given a plain standard tag, then it returns keyword, VR and VM from PS3.6', () => {
    expect(lookupTag('0020000D')).toEqual({ tag: '0020000D', keyword: 'StudyInstanceUID', vrs: ['UI'], vm: '1', retired: false });
    expect(lookupTag('00100010')).toMatchObject({ keyword: 'PatientName', vrs: ['PN'] });
    expect(lookupTag('00200032')).toMatchObject({ keyword: 'ImagePositionPatient', vrs: ['DS'], vm: '3' });
  });

  it('when given a lower-case tag, then it finds the same entry', () => {
    expect(lookupTag('0020000d')?.keyword).toBe('StudyInstanceUID');
  });

  it('when the element is Pixel Data, then both OB and OW are allowed and OW is the Implicit VR default', () => {
    const entry = lookupTag('7FE00010');
    expect(entry?.keyword).toBe('PixelData');
    expect(entry?.vrs).toEqual(['OW', 'OB']);
  });

  it('when the element may be US or SS, then both are listed, US first', () => {
    expect(lookupTag('00280106')).toMatchObject({ keyword: 'SmallestImagePixelValue', vrs: ['US', 'SS'] });
  });

  it('when the tag is an item delimiter, then it is known but has no VR', () => {
    expect(lookupTag('FFFEE000')).toMatchObject({ keyword: 'Item', vrs: [] });
  });

  it('when the tag is in a repeating overlay group, then it resolves with the concrete tag asked for', () => {
    expect(lookupTag('60003000')).toMatchObject({ tag: '60003000', keyword: 'OverlayData', vrs: ['OW', 'OB'] });
    expect(lookupTag('60100010')).toMatchObject({ tag: '60100010', keyword: 'OverlayRows', vrs: ['US'] });
    expect(lookupTag('601E3000')?.keyword).toBe('OverlayData');
  });

  it('when the group is past 601E or odd, then it is not an overlay (PS3.5 §7.6)', () => {
    expect(lookupTag('60203000')).toBeUndefined();
    expect(lookupTag('60013000')).toBeUndefined();
  });

  it('when a fixed tag lies inside a repeating range, then the fixed tag wins', () => {
    expect(lookupTag('7FE00010')?.keyword).toBe('PixelData');
    expect(lookupTag('7F000010')).toMatchObject({ keyword: 'VariablePixelData', retired: true });
  });

  it('when the tag is in an element range, then every element of it resolves', () => {
    expect(lookupTag('00203100')?.keyword).toBe('SourceImageIDs');
    expect(lookupTag('002031FF')?.keyword).toBe('SourceImageIDs');
  });

  it('when the tag is an unlisted group length, then it is a retired UL GroupLength', () => {
    expect(lookupTag('00080000')).toEqual({ tag: '00080000', keyword: 'GroupLength', vrs: ['UL'], vm: '1', retired: true });
  });

  it('when the group length is listed, then the listed keyword is used', () => {
    expect(lookupTag('00020000')?.keyword).toBe('FileMetaInformationGroupLength');
  });

  it('when the tag is private, then the dictionary does not know it', () => {
    expect(isPrivateTag('00091001')).toBe(true);
    expect(lookupTag('00091001')).toBeUndefined();
  });

  it('when the attribute is retired, then the entry says so and uses the PS3.6 keyword', () => {
    expect(lookupTag('00200030')).toMatchObject({ keyword: 'ImagePosition', retired: true });
  });

  it('when the tag is malformed, then it returns undefined', () => {
    expect(lookupTag('(0020,000D)')).toBeUndefined();
    expect(lookupTag('0020000')).toBeUndefined();
  });
});

describe('lookupKeyword', () => {
  it('when given a keyword, then it returns the entry with its tag', () => {
    expect(lookupKeyword('StudyInstanceUID')?.tag).toBe('0020000D');
    expect(lookupKeyword('OverlayData')?.tag).toBe('60003000');
  });

  it('when the keyword is unknown or differs in case, then it returns undefined', () => {
    expect(lookupKeyword('studyinstanceuid')).toBeUndefined();
    expect(lookupKeyword('toString')).toBeUndefined();
  });
});

describe('Tag', () => {
  it('when read by keyword, then it gives the tag', () => {
    expect(Tag.StudyInstanceUID).toBe('0020000D');
    // @ts-expect-error misspelt keywords must not compile
    expect(Tag.StudyInstanceUIX).toBeUndefined();
  });

  it('when every keyword is looked up, then each maps back to its own tag and keyword', () => {
    const keywords = Object.keys(Tag) as TagKeyword[];
    expect(keywords.length).toBeGreaterThan(4000);
    for (const keyword of keywords) {
      const tag = Tag[keyword];
      expect(lookupTag(tag)?.keyword, keyword).toBe(keyword);
      expect(lookupKeyword(keyword)?.tag, keyword).toBe(tag);
    }
  });
});

describe('private tags', () => {
  it('when the group is odd, then the tag is private unless the group is reserved (PS3.5 §7.1)', () => {
    expect(isPrivateTag('00091001')).toBe(true);
    expect(isPrivateTag('0020000D')).toBe(false);
    expect(isPrivateTag('00010010')).toBe(false);
    expect(isPrivateTag('FFFF0010')).toBe(false);
  });

  it('when the element is 0010-00FF in a private group, then it is a private creator', () => {
    expect(isPrivateCreatorTag('00090010')).toBe(true);
    expect(isPrivateCreatorTag('000900FF')).toBe(true);
    expect(isPrivateCreatorTag('00090100')).toBe(false);
    expect(isPrivateCreatorTag('00091001')).toBe(false);
    expect(isPrivateCreatorTag('00080010')).toBe(false);
  });

  it('when the tag is malformed, then the predicates throw', () => {
    expect(() => isPrivateTag('0009')).toThrow(RangeError);
  });
});

describe('formatTag and tagFromGroupElement', () => {
  it('when formatting, then it writes (gggg,eeee) in upper case', () => {
    expect(formatTag('0020000D')).toBe('(0020,000D)');
    expect(formatTag('7fe00010')).toBe('(7FE0,0010)');
  });

  it('when the tag is malformed, then formatTag throws', () => {
    expect(() => formatTag('0020,000D')).toThrow(RangeError);
  });

  it('when building from numbers, then it pads and upper-cases', () => {
    expect(tagFromGroupElement(0x0020, 0x000d)).toBe('0020000D');
    expect(tagFromGroupElement(0x7fe0, 0x10)).toBe('7FE00010');
  });

  it('when a number is out of range, then it throws', () => {
    expect(() => tagFromGroupElement(0x10000, 0)).toThrow(RangeError);
    expect(() => tagFromGroupElement(8, -1)).toThrow(RangeError);
  });
});
