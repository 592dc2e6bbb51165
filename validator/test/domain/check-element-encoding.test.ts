import { describe, expect, it } from 'vitest';
import { checkElementEncoding } from '../../src/domain/check-element-encoding.ts';
import { conformingAttributes, element, imagePixelAttributes, item, part10, secondaryCaptureImage } from '../support/fixtures.ts';
import { inspectBytes } from '../support/inspect.ts';

const codes = (bytes: Buffer) => checkElementEncoding(inspectBytes(bytes)).map((finding) => finding.code);
const pixels = element('7FE00010', 'OB', Buffer.alloc(4)); // PixelData: 2 x 2 x 8 bits

/** An element whose header declares `length` bytes, followed by exactly that many bytes of value. */
function withLength(tag: string, vr: string, value: string): Buffer {
  const head = element(tag, vr, 'xx').subarray(0, 8);
  head.writeUInt16LE(value.length, 6);
  return Buffer.concat([head, Buffer.from(value, 'latin1')]);
}

describe('checkElementEncoding', () => {
  it('when a conforming image is checked, then nothing is reported', () => {
    expect(codes(secondaryCaptureImage())).toEqual([]);
  });

  it('when a LO value declares 3 bytes, then odd-length (PS3.5 §7.1.1)', () => {
    const attributes = conformingAttributes();
    const bytes = part10([
      ...attributes.slice(0, 7),
      withLength('00081030', 'LO', 'abc'),
      ...attributes.slice(7),
      ...imagePixelAttributes(2, 2),
      pixels,
    ]);
    const findings = checkElementEncoding(inspectBytes(bytes));
    expect(findings).toEqual([expect.objectContaining({ code: 'odd-length', severity: 'error', tag: '(0008,1030)' })]);
  });

  it('when native Pixel Data declares an odd length, then odd-length', () => {
    const bytes = part10([...conformingAttributes(), ...imagePixelAttributes(1, 3), element('7FE00010', 'OB', Buffer.alloc(3))]);
    expect(codes(bytes)).toEqual(['odd-length']);
  });

  it('when StudyTime comes before SOPClassUID, then tag-order (PS3.5 §7.1)', () => {
    const attributes = conformingAttributes();
    const bytes = part10([attributes[3]!, ...attributes.slice(0, 3), ...attributes.slice(4), ...imagePixelAttributes(2, 2), pixels]);
    const findings = checkElementEncoding(inspectBytes(bytes));
    expect(findings).toEqual([expect.objectContaining({ code: 'tag-order', tag: '(0008,0016)' })]);
  });

  it('when a Sequence Delimitation Item stands among the data elements of the data set, then stray-delimiter', () => {
    const attributes = conformingAttributes();
    const bytes = part10([...attributes.slice(0, 4), item(0xe0dd), ...attributes.slice(4), ...imagePixelAttributes(2, 2), pixels]);
    expect(codes(bytes)).toEqual(['stray-delimiter']);
  });

  it('when a sequence of undefined length holds an item of undefined length, then its delimiters are fine', () => {
    const itemDelimiter = Buffer.from([0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0]); // (FFFE,E00D), length 0
    const body = Buffer.concat([
      item(0xe000, element('00081150', 'UI', '1.2.3'), 0xffffffff), // Item of undefined length and its first element
      element('00081155', 'UI', '1.2.4'),
      itemDelimiter, // its second element, then Item Delimitation Item
      item(0xe0dd), // Sequence Delimitation Item
    ]);
    const sequence = element('00081140', 'SQ', body, { length: 0xffffffff }); // ReferencedImageSequence
    const attributes = conformingAttributes();
    const bytes = part10([...attributes.slice(0, 7), sequence, ...attributes.slice(7), ...imagePixelAttributes(2, 2), pixels]);
    expect(codes(bytes)).toEqual([]);
  });
});
