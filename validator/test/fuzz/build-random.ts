import { part10 } from '../support/fixtures.ts';
import type { Mutation } from './mutate-bytes.ts';
import type { Random } from './prng.ts';
import { TransferSyntaxUid } from './raw-elements.ts';

const TRANSFER_SYNTAXES = [...Object.values(TransferSyntaxUid), '1.2.3.4.5.6', ''];

/** Random bytes, with and without the Part 10 framing (preamble, 'DICM', a file meta of any transfer syntax). */
export function randomBytes(random: Random): Mutation {
  const framing = random.pick(['none', 'preamble', 'meta'] as const);
  const body = random.bytes(
    random.weighted([
      [3, random.int(0, 256)],
      [2, random.int(257, 8192)],
      [1, random.int(8193, 70_000)],
    ]),
  );
  if (framing === 'none') return { label: `random ${body.length}`, bytes: body };
  if (framing === 'preamble') {
    const preamble = random.chance(0.5) ? Buffer.alloc(128) : random.bytes(128);
    return { label: `preamble+DICM+random ${body.length}`, bytes: Buffer.concat([preamble, Buffer.from('DICM'), body]) };
  }
  const transferSyntax = random.pick(TRANSFER_SYNTAXES);
  // Deflated: half the time a real deflate stream of random bytes, half the time bytes that are no deflate stream.
  const deflate = transferSyntax === TransferSyntaxUid.Deflated && random.chance(0.5);
  return {
    label: `meta(${transferSyntax || 'empty'})${deflate ? '+deflated' : ''}+random ${body.length}`,
    bytes: part10([body], { transferSyntax, deflate }),
  };
}
