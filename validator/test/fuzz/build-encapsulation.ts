import { conformingAttributes, element, encapsulatedImage, imagePixelAttributes, item, part10, UNDEFINED } from '../support/fixtures.ts';
import { itemHeaderOffsets, type SourceFile } from './corpus-sources.ts';
import type { Mutation } from './mutate-bytes.ts';
import type { Random } from './prng.ts';
import { ITEM, ITEM_DELIMITER, itemHeader, SEQUENCE_DELIMITER, TransferSyntaxUid } from './raw-elements.ts';

const EXPLICIT_LE = TransferSyntaxUid.ExplicitVRLittleEndian;
const DEFLATED = TransferSyntaxUid.Deflated;
const RLE = TransferSyntaxUid.RLELossless;
const JPEG_BASELINE = TransferSyntaxUid.JPEGBaseline;
const JPEG_2000 = TransferSyntaxUid.JPEG2000;

// Encapsulated Pixel Data with broken items (PS3.5 §A.4).

type ItemKind =
  | 'bot'
  | 'bot-odd'
  | 'fragment'
  | 'fragment-odd'
  | 'empty'
  | 'undefined'
  | 'past-eof'
  | 'fff0'
  | 'wrong-tag'
  | 'item-delimiter'
  | 'early-delimiter'
  | 'many-empty';

function brokenItem(random: Random, kind: ItemKind): { label: string; bytes: Buffer } {
  switch (kind) {
    case 'bot':
      return { label: 'bot', bytes: item(ITEM, Buffer.alloc(4 * random.int(0, 4))) };
    case 'bot-odd':
      return { label: 'bot-odd', bytes: item(ITEM, Buffer.alloc(random.int(1, 3))) };
    case 'fragment':
      return { label: 'frag', bytes: item(ITEM, random.bytes(2 * random.int(1, 64))) };
    case 'fragment-odd':
      return { label: 'frag-odd', bytes: item(ITEM, random.bytes(2 * random.int(0, 64) + 1)) };
    case 'empty':
      return { label: 'empty', bytes: item(ITEM) };
    case 'undefined':
      return { label: 'undef', bytes: Buffer.concat([itemHeader(ITEM, UNDEFINED), random.bytes(16)]) };
    case 'past-eof':
      return { label: 'past-eof', bytes: Buffer.concat([itemHeader(ITEM, random.int(64, 1 << 20) * 2), random.bytes(8)]) };
    case 'fff0':
      return { label: 'fff0', bytes: itemHeader(ITEM, 0xfffffff0) };
    case 'wrong-tag': {
      const head = random.bytes(8);
      return { label: `tag ${head.toString('hex')}`, bytes: Buffer.concat([head, random.bytes(8)]) };
    }
    case 'item-delimiter':
      return { label: 'item-delim', bytes: itemHeader(ITEM_DELIMITER, 0) };
    case 'early-delimiter':
      return { label: 'seq-delim-len', bytes: itemHeader(SEQUENCE_DELIMITER, random.int(1, 0xffff)) };
    case 'many-empty': {
      const count = random.int(1000, 20_000);
      return { label: `empty x${count}`, bytes: Buffer.concat(new Array<Buffer>(count).fill(item(ITEM))) };
    }
  }
}

const ITEM_KINDS: readonly (readonly [number, ItemKind])[] = [
  [3, 'bot'],
  [1, 'bot-odd'],
  [6, 'fragment'],
  [1, 'fragment-odd'],
  [2, 'empty'],
  [1, 'undefined'],
  [1, 'past-eof'],
  [1, 'fff0'],
  [1, 'wrong-tag'],
  [1, 'item-delimiter'],
  [1, 'early-delimiter'],
  [0.3, 'many-empty'],
];

export function brokenEncapsulation(random: Random): Mutation {
  const items = Array.from({ length: random.int(0, 6) }, () => brokenItem(random, random.weighted(ITEM_KINDS)));
  const ending = random.pick(['delimiter', 'none', 'cut'] as const);
  let value = Buffer.concat([...items.map((i) => i.bytes), ...(ending === 'delimiter' ? [itemHeader(SEQUENCE_DELIMITER, 0)] : [])]);
  if (ending === 'cut' && value.length > 0) value = value.subarray(0, random.int(0, value.length - 1));
  const transferSyntax = random.pick([RLE, RLE, JPEG_BASELINE, JPEG_2000, EXPLICIT_LE, DEFLATED]);
  const pixelData = element('7FE00010', 'OB', value, { length: UNDEFINED });
  const frames = random.int(1, 3);
  const bytes =
    transferSyntax === RLE
      ? encapsulatedImage(pixelData, frames)
      : part10([...conformingAttributes(), ...imagePixelAttributes(4, 4, 8, frames), pixelData], {
          transferSyntax,
          deflate: transferSyntax === DEFLATED,
        });
  const label = `encapsulated ${transferSyntax} frames ${frames} [${items.map((i) => i.label).join(' ')}] ${ending}`;
  const broken = brokenBecause(
    items.map((i) => i.label),
    ending,
    frames,
    transferSyntax,
  );
  return broken ? { label, bytes, mustBeInvalid: broken } : { label, bytes };
}

/** Items that PS3.5 §A.4 never allows, up to the first Sequence Delimitation Item (the walker stops there). */
const NEVER_ALLOWED = new Set(['frag-odd', 'undef', 'past-eof', 'fff0', 'item-delim', 'seq-delim-len']);

/** Why a generated encapsulation cannot be valid, or null when it may be (a fuzzed BOT may still fit). */
function brokenBecause(
  labels: readonly string[],
  ending: 'delimiter' | 'none' | 'cut',
  frames: number,
  transferSyntax: string,
): string | null {
  if (transferSyntax === EXPLICIT_LE || transferSyntax === DEFLATED) return 'Pixel Data of undefined length under a native transfer syntax';
  const end = labels.indexOf('seq-delim-len');
  const read = end === -1 ? labels : labels.slice(0, end + 1);
  const bad = read.find((label, i) => NEVER_ALLOWED.has(label) || label.startsWith('tag ') || (i === 0 && label === 'bot-odd'));
  if (bad !== undefined) return `an item PS3.5 §A.4 does not allow (${bad})`;
  if (ending !== 'delimiter') return 'no Sequence Delimitation Item';
  if (read.length === 0) return 'no Basic Offset Table item';
  // The first item is the Basic Offset Table; 'empty xN' is N items.
  const items = read.reduce((count, label) => count + (label.startsWith('empty x') ? Number(label.slice('empty x'.length)) : 1), 0);
  const fragments = items - 1;
  if (fragments < frames) return `${fragments} fragment(s) for ${frames} frame(s)`;
  return null;
}

/** One item header of a real encapsulated file given a hostile tag or length. */
export function corruptItemHeader(random: Random, source: SourceFile): Mutation | null {
  if (!source.encapsulated) return null;
  const headers = itemHeaderOffsets(source.bytes, source.headerEnd);
  if (headers.length === 0) return null;
  const bytes = Buffer.from(source.bytes);
  const at = random.pick(headers);
  const what = random.pick(['length', 'tag', 'both'] as const);
  if (what !== 'length') {
    bytes.writeUInt16LE(random.pick([0xfffe, random.int(0, 0xffff)]), at);
    bytes.writeUInt16LE(random.pick([ITEM_DELIMITER, SEQUENCE_DELIMITER, random.int(0, 0xffff)]), at + 2);
  }
  if (what !== 'tag') {
    const length = random.pick([0, 1, 3, UNDEFINED, 0xfffffff0, bytes.length - at, bytes.length - at - 7, random.uint32()]) >>> 0;
    bytes.writeUInt32LE(length, at + 4);
  }
  return { label: `item@${at} ${what} -> ${bytes.subarray(at, at + 8).toString('hex')}`, bytes };
}
