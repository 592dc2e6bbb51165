/** Hand-made byte pieces the fuzz builders share: transfer syntax UIDs, item headers, implicit VR elements. */
export const TransferSyntaxUid = Object.freeze({
  ExplicitVRLittleEndian: '1.2.840.10008.1.2.1',
  ImplicitVRLittleEndian: '1.2.840.10008.1.2',
  ExplicitVRBigEndian: '1.2.840.10008.1.2.2',
  Deflated: '1.2.840.10008.1.2.1.99',
  RLELossless: '1.2.840.10008.1.2.5',
  JPEGBaseline: '1.2.840.10008.1.2.4.50',
  JPEG2000: '1.2.840.10008.1.2.4.90',
});

export const ITEM = 0xe000;
export const ITEM_DELIMITER = 0xe00d;
export const SEQUENCE_DELIMITER = 0xe0dd;

/** An item, item delimitation or sequence delimitation header (PS3.5 §7.5): (FFFE,xxxx) and a 32-bit length. */
export function itemHeader(elementNumber: number, length: number): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16LE(0xfffe, 0);
  head.writeUInt16LE(elementNumber, 2);
  head.writeUInt32LE(length >>> 0, 4);
  return head;
}

/** An implicit VR little endian element (PS3.5 §7.1.3): tag and a 32-bit length, no VR. */
export function implicitElement(tag: string, value: Buffer | string, length?: number): Buffer {
  const data = typeof value === 'string' ? Buffer.from(value.length % 2 ? `${value}\0` : value, 'latin1') : value;
  const head = Buffer.alloc(8);
  head.writeUInt16LE(parseInt(tag.slice(0, 4), 16), 0);
  head.writeUInt16LE(parseInt(tag.slice(4), 16), 2);
  head.writeUInt32LE((length ?? data.length) >>> 0, 4);
  return Buffer.concat([head, data]);
}
