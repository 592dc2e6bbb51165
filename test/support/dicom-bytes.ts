import { deflateRawSync } from 'node:zlib';

/**
 * Builds small Part 10 files by hand, one element at a time, so that a test can say exactly which byte
 * is wrong. Explicit VR little endian unless told otherwise.
 */
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT', 'SV', 'UV']);

export function element(
  tag: string,
  vr: string,
  value: Uint8Array | string,
  options: { length?: number; bigEndian?: boolean } = {},
): Buffer {
  const data = typeof value === 'string' ? padded(value, vr) : Buffer.from(value);
  const length = options.length ?? data.length;
  const group = parseInt(tag.slice(0, 4), 16);
  const elem = parseInt(tag.slice(4), 16);
  const head = LONG_VRS.has(vr) ? Buffer.alloc(12) : Buffer.alloc(8);
  const be = options.bigEndian === true;
  const write16 = (value: number, at: number) => (be ? head.writeUInt16BE(value, at) : head.writeUInt16LE(value, at));
  write16(group, 0);
  write16(elem, 2);
  head.write(vr, 4, 'latin1');
  if (!LONG_VRS.has(vr)) write16(length, 6);
  else if (be) head.writeUInt32BE(length >>> 0, 8);
  else head.writeUInt32LE(length >>> 0, 8);
  return Buffer.concat([head, data]);
}

/** An Implicit VR Little Endian element (PS3.5 §7.1.3): tag, 32-bit length, value. */
export function implicitElement(tag: string, value: Uint8Array | string, options: { length?: number } = {}): Buffer {
  const data = typeof value === 'string' ? padded(value, '') : Buffer.from(value);
  const head = Buffer.alloc(8);
  head.writeUInt16LE(parseInt(tag.slice(0, 4), 16), 0);
  head.writeUInt16LE(parseInt(tag.slice(4), 16), 2);
  head.writeUInt32LE((options.length ?? data.length) >>> 0, 4);
  return Buffer.concat([head, data]);
}

/** An item or delimiter header (PS3.5 §7.5, §A.4): tag FFFE,xxxx and a 32-bit length, little endian unless told. */
export function item(
  elementNumber: 0xe000 | 0xe00d | 0xe0dd,
  body: Uint8Array = Buffer.alloc(0),
  length = body.length,
  bigEndian = false,
): Buffer {
  const head = Buffer.alloc(8);
  if (bigEndian) {
    head.writeUInt16BE(0xfffe, 0);
    head.writeUInt16BE(elementNumber, 2);
    head.writeUInt32BE(length >>> 0, 4);
    return Buffer.concat([head, Buffer.from(body)]);
  }
  head.writeUInt16LE(0xfffe, 0);
  head.writeUInt16LE(elementNumber, 2);
  head.writeUInt32LE(length >>> 0, 4);
  return Buffer.concat([head, Buffer.from(body)]);
}

function padded(value: string, vr: string): Buffer {
  const bytes = Buffer.from(value, 'latin1');
  if (bytes.length % 2 === 0) return bytes;
  return Buffer.concat([bytes, Buffer.from(vr === 'UI' ? [0] : [0x20])]);
}

export interface Part10Options {
  transferSyntax?: string;
  sopClassUid?: string;
  sopInstanceUid?: string;
  deflate?: boolean;
  /** (0002,0012), Type 1 in PS3.10 §7.1; left out unless given, as the oldest fixtures were written. */
  implementationClassUid?: string;
}

/** Preamble, 'DICM', a file meta group with its group length, then the data set elements. */
export function part10(dataset: Buffer[], options: Part10Options = {}): Buffer {
  const ts = options.transferSyntax ?? '1.2.840.10008.1.2.1';
  const metaElements = Buffer.concat([
    element('00020001', 'OB', Buffer.from([0, 1])),
    element('00020002', 'UI', options.sopClassUid ?? '1.2.840.10008.5.1.4.1.1.7'),
    element('00020003', 'UI', options.sopInstanceUid ?? '1.2.3.4'),
    element('00020010', 'UI', ts),
    ...(options.implementationClassUid === undefined ? [] : [element('00020012', 'UI', options.implementationClassUid)]),
  ]);
  const groupLength = Buffer.alloc(4);
  groupLength.writeUInt32LE(metaElements.length);
  const body = Buffer.concat(dataset);
  return Buffer.concat([
    Buffer.alloc(128),
    Buffer.from('DICM', 'latin1'),
    element('00020000', 'UL', groupLength),
    metaElements,
    options.deflate ? deflateRawSync(body) : body,
  ]);
}

/** A minimal Secondary Capture-like data set: enough for the structure checks. */
export function minimalDataset(extra: Buffer[] = [], uid = '1.2.3.4'): Buffer[] {
  return [
    element('00080016', 'UI', '1.2.840.10008.5.1.4.1.1.7'),
    element('00080018', 'UI', uid),
    element('00080060', 'CS', 'OT'),
    element('0020000D', 'UI', '1.2.3'),
    element('0020000E', 'UI', '1.2.3.1'),
    ...extra,
  ];
}

export function us(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(value);
  return b;
}
