import { describe, expect, it } from 'vitest';
import { implausibleLength, maxFieldBytes } from '../../src/domain/plausible-length.ts';

describe('maxFieldBytes', () => {
  it.each([
    ['UI', '1', 65], // 64 bytes (PS3.5 §9.1) + 1 pad
    ['DA', '1', 9],
    ['US', '1', 3],
    ['DS', '3', 16 * 3 + 2 + 1], // three values, two backslashes, one pad
    ['LO', '1', 64 * 4 + 1], // 64 characters of up to 4 bytes each
  ])('when the VR is %s and the VM %s, then a field holds at most %i bytes', (vr, vm, max) => {
    expect(maxFieldBytes(vr, vm)).toBe(max);
  });

  it.each([
    ['UT', '1'],
    ['OB', '1'],
    ['UI', '1-n'],
    ['CS', '2-2n'],
    [undefined, '1'],
  ])('when the VR is %s and the VM %s, then there is no bound short of the length field', (vr, vm) => {
    expect(maxFieldBytes(vr, vm)).toBeUndefined();
  });
});

describe('implausibleLength', () => {
  it('when a StudyInstanceUID declares 44 bytes, then that could be right (a cut file is only truncated)', () => {
    expect(implausibleLength('0020000D', 'UI', 44)).toBeUndefined();
  });

  it('when a StudyInstanceUID declares 200 bytes, then no UID is that long', () => {
    expect(implausibleLength('0020000D', 'UI', 200)).toMatch(/at most 65/);
  });

  it('when a private element declares 2 GiB or more, then it is implausible whatever its VR', () => {
    expect(implausibleLength('00091001', undefined, 0xfffffff0)).toMatch(/2 GiB/);
    expect(implausibleLength('00091001', undefined, 1000)).toBeUndefined();
  });
});
