import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { conformingAttributes, element, imagePixelAttributes, part10 } from '../support/fixtures.ts';
import type { Mutation } from './mutate-bytes.ts';
import type { Random } from './prng.ts';
import { TransferSyntaxUid } from './raw-elements.ts';

const DEFLATED = TransferSyntaxUid.Deflated;

// Deflate bombs and broken deflate streams (PS3.5 §A.5).

const bombStreams = new Map<string, Buffer>();

/** Deflating hundreds of MB takes a while: each bomb's stream is made once per run. */
function cached(key: string, make: () => Buffer): Buffer {
  let stream = bombStreams.get(key);
  if (!stream) {
    stream = make();
    bombStreams.set(key, stream);
  }
  return stream;
}

/** A deflated Part 10 file whose data set is `body` (already a deflate stream, or anything). */
function deflatedFile(body: Buffer): Buffer {
  return part10([body], { transferSyntax: DEFLATED });
}

export type BombKind =
  'zeros' | 'attributes-then-zeros' | 'huge-element' | 'zlib-wrapped' | 'gzip-wrapped' | 'cut-stream' | 'garbage-stream' | 'nested';

/** `limitBytes` is the validator's maxInflatedBytes: a bomb inflates a little past it. */
export function deflateBomb(kind: BombKind, limitBytes: number, random: Random): Mutation {
  const past = limitBytes + 1024 * 1024;
  const dataset = Buffer.concat([...conformingAttributes(), ...imagePixelAttributes(2, 2), element('7FE00010', 'OB', Buffer.alloc(4))]);
  const label = `deflate ${kind} limit ${limitBytes}`;
  switch (kind) {
    case 'zeros':
      return { label, bytes: deflatedFile(cached(`${kind} ${past}`, () => deflateRawSync(Buffer.alloc(past), { level: 1 }))) };
    case 'attributes-then-zeros':
      // A readable data set, then a private OB element whose zero value inflates past the limit.
      return {
        label,
        bytes: deflatedFile(
          cached(`${kind} ${past}`, () => {
            const head = Buffer.concat([...conformingAttributes(), element('00091010', 'OB', Buffer.alloc(0), { length: past })]);
            return deflateRawSync(Buffer.concat([head, Buffer.alloc(past)]), { level: 1 });
          }),
        ),
      };
    case 'huge-element':
      // Small inflated, but an element declares FFFFFFF0H bytes.
      return {
        label,
        bytes: deflatedFile(
          deflateRawSync(Buffer.concat([...conformingAttributes(), element('00091010', 'OB', Buffer.alloc(64), { length: 0xfffffff0 })])),
        ),
      };
    case 'zlib-wrapped':
      return { label, bytes: deflatedFile(deflateSync(dataset)) };
    case 'gzip-wrapped':
      return { label, bytes: deflatedFile(gzipSync(dataset)) };
    case 'cut-stream': {
      const stream = deflateRawSync(dataset);
      return { label, bytes: deflatedFile(stream.subarray(0, random.int(0, stream.length - 1))) };
    }
    case 'garbage-stream':
      return { label, bytes: deflatedFile(random.bytes(random.int(1, 4096))) };
    case 'nested':
      // Deflated twice: the inflated data set is itself a deflate stream.
      return { label, bytes: deflatedFile(deflateRawSync(deflateRawSync(dataset))) };
  }
}

export const BOMB_KINDS: readonly BombKind[] = [
  'zeros',
  'attributes-then-zeros',
  'huge-element',
  'zlib-wrapped',
  'gzip-wrapped',
  'cut-stream',
  'garbage-stream',
  'nested',
];
