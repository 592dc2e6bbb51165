/** Our Implementation Class UID (PS3.7 §D.3.3.2): a UUID-derived UID under 2.25 (PS3.5 §B.2). */
export const IMPLEMENTATION_CLASS_UID = '2.25.330247830700512249247540675744513383246';
export const IMPLEMENTATION_VERSION_NAME = 'DSV_GATEWAY_1';

export interface FileMetaFields {
  sopClassUid: string;
  sopInstanceUid: string;
  transferSyntaxUid: string;
}

/**
 * The 128-byte preamble, "DICM" and the File Meta Information (PS3.10 §7.1) that make a data set
 * received over the network a Part 10 file: group 0002 is always Explicit VR Little Endian, whatever
 * the transfer syntax of the data set that follows (a deflated one stays deflated). The header depends
 * on the instance alone, not on who sent it (no Source AE Title, type 3): the same instance sent again,
 * by any peer, is the same file, which the study recognises as already stored.
 */
export function buildPart10Header(fields: FileMetaFields): Buffer {
  const elements = [
    element(0x0001, 'OB', Buffer.from([0x00, 0x01])),
    element(0x0002, 'UI', uid(fields.sopClassUid)),
    element(0x0003, 'UI', uid(fields.sopInstanceUid)),
    element(0x0010, 'UI', uid(fields.transferSyntaxUid)),
    element(0x0012, 'UI', uid(IMPLEMENTATION_CLASS_UID)),
    element(0x0013, 'SH', text(IMPLEMENTATION_VERSION_NAME)),
  ];
  const body = Buffer.concat(elements);
  const groupLength = Buffer.alloc(4);
  groupLength.writeUInt32LE(body.length);
  const preamble = Buffer.alloc(132);
  preamble.write('DICM', 128, 'latin1');
  return Buffer.concat([preamble, element(0x0000, 'UL', groupLength), body]);
}

/** One group-0002 element in Explicit VR Little Endian (PS3.5 §7.1.2): OB has a 4-byte length. */
function element(elementNumber: number, vr: string, value: Buffer): Buffer {
  const long = vr === 'OB';
  const head = Buffer.alloc(long ? 12 : 8);
  head.writeUInt16LE(0x0002, 0);
  head.writeUInt16LE(elementNumber, 2);
  head.write(vr, 4, 'latin1');
  if (long) head.writeUInt32LE(value.length, 8);
  else head.writeUInt16LE(value.length, 6);
  return Buffer.concat([head, value]);
}

/** UI values are padded to an even length with NUL (PS3.5 §6.2). */
function uid(value: string): Buffer {
  const bytes = Buffer.from(value.replace(/\0+$/, ''), 'latin1');
  return bytes.length % 2 === 0 ? bytes : Buffer.concat([bytes, Buffer.from([0])]);
}

/** SH and AE values are padded to an even length with a space. */
function text(value: string): Buffer {
  const bytes = Buffer.from(value, 'latin1');
  return bytes.length % 2 === 0 ? bytes : Buffer.concat([bytes, Buffer.from(' ')]);
}
