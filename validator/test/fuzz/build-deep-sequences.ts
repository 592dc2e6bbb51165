import { conformingAttributes, element, imagePixelAttributes, part10, UNDEFINED } from '../support/fixtures.ts';
import type { Mutation } from './mutate-bytes.ts';
import type { Random } from './prng.ts';
import { implicitElement, ITEM, ITEM_DELIMITER, itemHeader, SEQUENCE_DELIMITER, TransferSyntaxUid } from './raw-elements.ts';

const EXPLICIT_LE = TransferSyntaxUid.ExplicitVRLittleEndian;
const IMPLICIT_LE = TransferSyntaxUid.ImplicitVRLittleEndian;
const DEFLATED = TransferSyntaxUid.Deflated;
/** ContentSequence: SQ in the dictionary, so an implicit VR reader knows it too. */
const CONTENT_SEQUENCE = '0040A730';

// Nested undefined-length sequences (PS3.5 §7.5.1), thousands deep.

export interface DeepOptions {
  depth: number;
  delimiters: 'all' | 'none' | 'items-only' | 'half';
  explicitVr: boolean;
  deflate?: boolean;
}

/** SQ (undefined length) → item (undefined length) → SQ → … `depth` levels, then the closing delimiters asked for. */
export function deepSequence(options: DeepOptions): Buffer {
  const { depth, delimiters, explicitVr } = options;
  const opening = explicitVr
    ? element(CONTENT_SEQUENCE, 'SQ', Buffer.alloc(0), { length: UNDEFINED })
    : implicitElement(CONTENT_SEQUENCE, Buffer.alloc(0), UNDEFINED);
  const level = Buffer.concat([opening, itemHeader(ITEM, UNDEFINED)]);
  const innermost = explicitVr ? element('0040A040', 'CS', 'TEXT') : implicitElement('0040A040', 'TEXT'); // ValueType, at the bottom
  const closing = (index: number): Buffer => {
    if (delimiters === 'none') return Buffer.alloc(0);
    if (delimiters === 'half' && index % 2 === 1) return Buffer.alloc(0);
    const itemEnd = itemHeader(ITEM_DELIMITER, 0);
    return delimiters === 'items-only' ? itemEnd : Buffer.concat([itemEnd, itemHeader(SEQUENCE_DELIMITER, 0)]);
  };
  const parts: Buffer[] = [];
  for (let i = 0; i < depth; i++) parts.push(level);
  parts.push(innermost);
  for (let i = 0; i < depth; i++) parts.push(closing(i));
  return Buffer.concat(parts);
}

export function deepSequenceFile(options: DeepOptions): Buffer {
  const nested = deepSequence(options);
  if (options.explicitVr) {
    return part10([...conformingAttributes(), nested, ...imagePixelAttributes(2, 2), element('7FE00010', 'OB', Buffer.alloc(4))], {
      deflate: options.deflate ?? false,
      transferSyntax: options.deflate ? DEFLATED : EXPLICIT_LE,
    });
  }
  return part10(
    [
      implicitElement('00080016', '1.2.840.10008.5.1.4.1.1.7'), // SOPClassUID
      implicitElement('00080018', '1.2.3.4'), // SOPInstanceUID
      implicitElement('00080060', 'OT'), // Modality
      implicitElement('0020000D', '1.2.3'), // StudyInstanceUID
      implicitElement('0020000E', '1.2.3.1'), // SeriesInstanceUID
      nested,
    ],
    { transferSyntax: IMPLICIT_LE },
  );
}

export function randomDeepSequence(random: Random): Mutation {
  const options: DeepOptions = {
    depth: random.weighted([
      [1, 5000],
      [2, random.int(500, 5000)],
      [1, random.int(2, 64)],
    ]),
    delimiters: random.pick(['all', 'none', 'items-only', 'half'] as const),
    explicitVr: random.chance(0.6),
  };
  options.deflate = options.explicitVr && random.chance(0.15);
  const bytes = deepSequenceFile(options);
  // Cut inside more than about 1,500 levels, dicom-parser may overflow the stack before it reaches the cut, or
  // not, depending on the stack: 'unparseable' or 'truncated' (both 400 CORRUPT_DICOM). A known limit, not
  // fuzzed, so that the direct and HTTP answers can be compared exactly.
  const cut = options.depth <= 1000 && random.chance(0.3) ? random.int(200, bytes.length - 1) : bytes.length;
  return { label: `deep ${JSON.stringify(options)}${cut < bytes.length ? ` cut ${cut}` : ''}`, bytes: bytes.subarray(0, cut) };
}
