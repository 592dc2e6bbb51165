/** PDU types of PS3.8 §9.3: A-ASSOCIATE-RQ … A-ABORT. */
const P_DATA_TF = 0x04;
const KNOWN_TYPES = new Set([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07]);
/** An association request with hundreds of presentation contexts stays well under this. */
export const MAX_CONTROL_PDU = 256 << 10;

/**
 * Follows the PDU framing of the bytes a peer sends (type, reserved, 32-bit big-endian length: PS3.8
 * §9.3.1) and calls `refuse` at the first header that is not a PDU, or that announces a P-DATA-TF longer
 * than we allowed (our Maximum Length) or any other PDU longer than MAX_CONTROL_PDU. dcmjs-dimse
 * gathers a whole PDU in memory before it reads it, so a peer lying about a PDU's length would
 * otherwise make the gateway buffer up to 4 GiB.
 */
export function createPduGuard(maxPduLength: number, refuse: (reason: string) => void): (chunk: Buffer) => void {
  let header = Buffer.alloc(0);
  let remaining = 0;
  let refused = false;
  return (chunk) => {
    let at = 0;
    while (!refused && at < chunk.length) {
      if (remaining > 0) {
        const skip = Math.min(remaining, chunk.length - at);
        remaining -= skip;
        at += skip;
        continue;
      }
      const need = 6 - header.length;
      header = Buffer.concat([header, chunk.subarray(at, at + need)]);
      at += Math.min(need, chunk.length - at);
      if (header.length < 6) return;
      const type = header[0]!;
      const length = header.readUInt32BE(2);
      header = Buffer.alloc(0);
      const limit = type === P_DATA_TF ? maxPduLength : MAX_CONTROL_PDU;
      if (!KNOWN_TYPES.has(type)) {
        refused = true;
        refuse(`unknown PDU type ${type}`);
      } else if (length > limit) {
        refused = true;
        refuse(`PDU of type ${type} announces ${length} bytes, more than the ${limit} allowed`);
      }
      remaining = length;
    }
  };
}
