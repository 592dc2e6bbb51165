import { describe, expect, it } from 'vitest';
import { createPduGuard, MAX_CONTROL_PDU } from '../../src/dimse/pdu-guard.ts';

/** A PDU header (PS3.8 §9.3.1): type, reserved, 32-bit big-endian length. */
const header = (type: number, length: number): Buffer => {
  const bytes = Buffer.alloc(6);
  bytes[0] = type;
  bytes.writeUInt32BE(length, 2);
  return bytes;
};

function guard(max = 1000) {
  const refusals: string[] = [];
  return { feed: createPduGuard(max, (reason) => refusals.push(reason)), refusals };
}

describe('createPduGuard', () => {
  it('when P-DATA PDUs stay within the maximum, split anyhow across chunks, then nothing is refused', () => {
    const { feed, refusals } = guard();
    const stream = Buffer.concat([
      header(0x04, 1000),
      Buffer.alloc(1000),
      header(0x04, 10),
      Buffer.alloc(10),
      header(0x05, 4),
      Buffer.alloc(4),
    ]);
    for (let at = 0; at < stream.length; at += 7) feed(stream.subarray(at, at + 7));
    expect(refusals).toEqual([]);
  });

  it('when a P-DATA PDU announces more than the maximum (a length lie), then it is refused at its header', () => {
    const { feed, refusals } = guard();
    feed(Buffer.concat([header(0x04, 0xffff_fff0), Buffer.alloc(3)]));
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatch(/announces 4294967280 bytes/);
  });

  it('when an association request is larger than the control limit, or the type is unknown, then it is refused', () => {
    const big = guard();
    big.feed(header(0x01, MAX_CONTROL_PDU + 1));
    expect(big.refusals).toHaveLength(1);
    const unknown = guard();
    unknown.feed(header(0x47, 4));
    expect(unknown.refusals[0]).toMatch(/unknown PDU type 71/);
  });

  it('when refused once, then later bytes are not judged again', () => {
    const { feed, refusals } = guard();
    feed(header(0x04, 5000));
    feed(header(0x09, 1));
    expect(refusals).toHaveLength(1);
  });
});
