import { describe, expect, it } from 'vitest';
import { parseByteRange } from '../../src/routes/parse-byte-range.ts';

describe('parseByteRange (RFC 9110 §14.1.2), for a file of 1000 bytes', () => {
  it.each([
    ['bytes=0-99', { start: 0, end: 99 }],
    ['bytes=100-', { start: 100, end: 999 }],
    ['bytes=-100', { start: 900, end: 999 }],
    ['bytes=-5000', { start: 0, end: 999 }],
    ['bytes=990-5000', { start: 990, end: 999 }],
    ['bytes=999-999', { start: 999, end: 999 }],
    ['Bytes=1-2', { start: 1, end: 2 }],
  ])('when the header is %s, then the range is %o', (header, range) => {
    expect(parseByteRange(header, 1000)).toEqual(range);
  });

  it.each(['bytes=1000-', 'bytes=1000-2000', 'bytes=-0'])('when the header is %s, then it is unsatisfiable', (header) => {
    expect(parseByteRange(header, 1000)).toBe('unsatisfiable');
  });

  it.each([undefined, '', 'bytes=', 'bytes=5-2', 'bytes=a-b', 'bytes=-', 'pages=0-1', 'bytes=0-1,3-4', 'bytes=99999999999999999999-'])(
    'when the header is %s, then it is ignored (the whole file)',
    (header) => {
      expect(parseByteRange(header, 1000)).toBeNull();
    },
  );

  it('when the file is empty, then every range is unsatisfiable', () => {
    expect(parseByteRange('bytes=0-', 0)).toBe('unsatisfiable');
    expect(parseByteRange('bytes=-1', 0)).toBe('unsatisfiable');
  });
});
