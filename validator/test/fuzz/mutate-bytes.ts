import { UNDEFINED_LENGTH, VRS } from '@dsv/common';
import type { ElementSpan, SourceFile } from './corpus-sources.ts';
import type { Random } from './prng.ts';

export interface Mutation {
  /** What was done, short enough for a test name, precise enough to redo it by hand. */
  label: string;
  bytes: Buffer;
  /** Set when the damage is one no validator may miss: why the answer must not be valid. */
  mustBeInvalid?: string;
}

/** Mostly in the header, where the parser works; sometimes anywhere. */
function offsetIn(random: Random, source: SourceFile): number {
  const end = random.chance(0.85) ? Math.min(source.bytes.length, source.headerEnd + 64) : source.bytes.length;
  return random.int(0, Math.max(0, end - 1));
}

export function flipBits(random: Random, source: SourceFile): Mutation {
  const bytes = Buffer.from(source.bytes);
  const flips = random.int(1, 8);
  const at: string[] = [];
  for (let i = 0; i < flips && bytes.length > 0; i++) {
    const offset = offsetIn(random, source);
    const bit = random.int(0, 7);
    bytes[offset]! ^= 1 << bit;
    at.push(`${offset}.${bit}`);
  }
  return { label: `flip ${at.join(',')}`, bytes };
}

export function overwriteRange(random: Random, source: SourceFile): Mutation {
  const bytes = Buffer.from(source.bytes);
  const offset = offsetIn(random, source);
  const length = Math.min(
    random.weighted([
      [4, random.int(1, 8)],
      [3, random.int(9, 64)],
      [1, random.int(65, 4096)],
    ]),
    bytes.length - offset,
  );
  const fill = random.pick(['random', 'zero', 'ff', 'copy'] as const);
  if (fill === 'random') random.bytes(length).copy(bytes, offset);
  else if (fill === 'zero') bytes.fill(0, offset, offset + length);
  else if (fill === 'ff') bytes.fill(0xff, offset, offset + length);
  else source.bytes.copy(bytes, offset, random.int(0, Math.max(0, source.bytes.length - length)), source.bytes.length);
  return { label: `overwrite ${offset}+${length} ${fill}`, bytes };
}

export function truncateAt(source: SourceFile, cut: number): Mutation {
  return { label: `truncate ${cut}`, bytes: Buffer.from(source.bytes.subarray(0, cut)) };
}

export function truncateRandom(random: Random, source: SourceFile): Mutation {
  return truncateAt(source, offsetIn(random, source));
}

/** The lengths that break parsers: PS3.5 §7.1.1 undefined, odd, zero, just past the end, near 4 GiB. */
function hostileLength(random: Random, span: ElementSpan, fileLength: number): { value: number; why: string } {
  const max = span.lengthField.size === 2 ? 0xffff : 0xffffffff;
  const pastEof = fileLength - span.valueOffset + random.int(1, 16);
  const choice = random.pick(['random', 'zero', 'odd', 'undefined', 'past-eof', 'fff0', 'plus-one', 'minus-one'] as const);
  const values: Record<typeof choice, number> = {
    random: random.uint32(),
    zero: 0,
    odd: (random.uint32() | 1) >>> 0,
    undefined: 0xffffffff,
    'past-eof': pastEof,
    fff0: 0xfffffff0,
    'plus-one': span.length === UNDEFINED_LENGTH ? 1 : span.length + 1,
    'minus-one': span.length === UNDEFINED_LENGTH ? 0xfffffffe : span.length - 1,
  };
  return { value: Math.min(max, Math.max(0, values[choice])) >>> 0, why: choice };
}

export function corruptLength(random: Random, source: SourceFile): Mutation | null {
  if (source.spans.length === 0) return null;
  const bytes = Buffer.from(source.bytes);
  const span = random.pick(source.spans);
  const { value, why } = hostileLength(random, span, bytes.length);
  const { offset, size, littleEndian } = span.lengthField;
  if (size === 2) {
    if (littleEndian) bytes.writeUInt16LE(value, offset);
    else bytes.writeUInt16BE(value, offset);
  } else if (littleEndian) bytes.writeUInt32LE(value, offset);
  else bytes.writeUInt32BE(value, offset);
  const label = `length ${span.tag}@${offset} ${why}=0x${value.toString(16)}`;
  // PS3.5 §7.1.1: undefined length only for SQ, UN and encapsulated Pixel Data, and then with a delimiter;
  // a defined length that runs past the end of the file is a file cut short.
  if (size === 4 && value === 0xffffffff) {
    return span.length === UNDEFINED_LENGTH ? { label, bytes } : { label, bytes, mustBeInvalid: 'a defined length made undefined' };
  }
  if (span.valueOffset + value > bytes.length) return { label, bytes, mustBeInvalid: 'a length that runs past the end of the file' };
  return { label, bytes };
}

export function corruptVr(random: Random, source: SourceFile): Mutation | null {
  const explicit = source.spans.filter((span) => span.vrOffset !== null);
  if (explicit.length === 0) return null;
  const bytes = Buffer.from(source.bytes);
  const span = random.pick(explicit);
  const offset = span.vrOffset!;
  const kind = random.pick(['swap', 'garbage', 'lower', 'nul'] as const);
  const vr =
    kind === 'swap'
      ? Buffer.from(random.pick(VRS), 'latin1')
      : kind === 'garbage'
        ? random.bytes(2)
        : kind === 'lower'
          ? Buffer.from(bytes.toString('latin1', offset, offset + 2).toLowerCase(), 'latin1')
          : Buffer.alloc(2);
  vr.copy(bytes, offset);
  return { label: `vr ${span.tag}@${offset} ${kind}=${vr.toString('hex')}`, bytes };
}

/** Two elements' headers exchanged in place, or one element's header repeated over the next. */
export function shuffleElements(random: Random, source: SourceFile): Mutation | null {
  if (source.spans.length < 2) return null;
  const bytes = Buffer.from(source.bytes);
  const a = random.pick(source.spans);
  const b = random.pick(source.spans);
  const size = Math.min(a.valueOffset - a.start, b.valueOffset - b.start);
  const headerA = Buffer.from(bytes.subarray(a.start, a.start + size));
  bytes.copy(bytes, a.start, b.start, b.start + size);
  if (random.chance(0.5)) headerA.copy(bytes, b.start);
  return { label: `headers ${a.tag}@${a.start}<->${b.tag}@${b.start}`, bytes };
}
