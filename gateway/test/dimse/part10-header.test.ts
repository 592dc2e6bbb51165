import { inspectStream } from '@dsv/common';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildPart10Header, IMPLEMENTATION_CLASS_UID } from '../../src/dimse/part10-header.ts';

/** (0008,0016) SOP Class UID and (0008,0018) SOP Instance UID in Explicit VR Little Endian. */
function dataset(): Buffer {
  const el = (element: number, value: string) => {
    const bytes = Buffer.from(value.length % 2 ? `${value}\0` : value, 'latin1');
    const head = Buffer.alloc(8);
    head.writeUInt16LE(0x0008, 0);
    head.writeUInt16LE(element, 2);
    head.write('UI', 4, 'latin1');
    head.writeUInt16LE(bytes.length, 6);
    return Buffer.concat([head, bytes]);
  };
  return Buffer.concat([el(0x0016, '1.2.840.10008.5.1.4.1.1.7'), el(0x0018, '1.2.3.4.5')]);
}

describe('buildPart10Header', () => {
  it('when a received data set follows the header, then the file reads as Part 10 with the meta the association gave, the same whoever sent it', async () => {
    const header = buildPart10Header({
      sopClassUid: '1.2.840.10008.5.1.4.1.1.7',
      sopInstanceUid: '1.2.3.4.5',
      transferSyntaxUid: '1.2.840.10008.1.2.1',
    });
    expect(header.subarray(128, 132).toString('latin1')).toBe('DICM');
    const inspection = await inspectStream(Readable.from([Buffer.concat([header, dataset()])]));
    const meta = inspection.parsed!.meta;
    const text = (tag: string) =>
      Buffer.from(inspection.parsed!.bytes.subarray(meta.get(tag)!.offset, meta.get(tag)!.offset + meta.get(tag)!.length))
        .toString('latin1')
        .replace(/[\0 ]+$/, '');
    expect(inspection.parsed!.transferSyntaxUID).toBe('1.2.840.10008.1.2.1');
    expect(text('00020002')).toBe('1.2.840.10008.5.1.4.1.1.7');
    expect(text('00020003')).toBe('1.2.3.4.5');
    expect(text('00020012')).toBe(IMPLEMENTATION_CLASS_UID);
    expect(meta.has('00020016')).toBe(false);
    expect(inspection.issues).toEqual([]);
  });
});
