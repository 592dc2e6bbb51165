import type { EncapsulationFacts } from './model.ts';

const ITEM = 0xe000;
const SEQUENCE_DELIMITER = 0xe0dd;
const ITEM_GROUP = 0xfffe;

/**
 * Follows the items of encapsulated Pixel Data (PS3.5 §A.4) as bytes stream past, without keeping them:
 * a Basic Offset Table item, fragment items, then a Sequence Delimitation Item. Item headers are always
 * little endian (encapsulated transfer syntaxes are all explicit VR little endian).
 */
export class EncapsulatedItemWalker {
  private header = Buffer.alloc(8);
  private headerFill = 0;
  private skipRemaining = 0;
  private items = 0;
  private offsetTableEntries = 0;
  private delimited = false;
  private problem: string | null = null;

  /** Feeds the next bytes of the Pixel Data value; returns how many were part of it (the rest trail it). */
  push(chunk: Uint8Array): number {
    let position = 0;
    while (position < chunk.length && !this.delimited && this.problem === null) {
      if (this.skipRemaining > 0) {
        const skipped = Math.min(this.skipRemaining, chunk.length - position);
        this.skipRemaining -= skipped;
        position += skipped;
        continue;
      }
      const copied = Math.min(8 - this.headerFill, chunk.length - position);
      this.header.set(chunk.subarray(position, position + copied), this.headerFill);
      this.headerFill += copied;
      position += copied;
      if (this.headerFill === 8) this.readHeader();
    }
    return position;
  }

  facts(): EncapsulationFacts {
    let problem = this.problem;
    if (problem === null && !this.delimited) {
      problem =
        this.skipRemaining > 0 || this.headerFill > 0
          ? 'the file ends inside an item of the encapsulated Pixel Data'
          : 'the encapsulated Pixel Data has no Sequence Delimitation Item';
    }
    return {
      offsetTableEntries: this.offsetTableEntries,
      fragments: Math.max(0, this.items - 1),
      delimited: this.delimited,
      truncated: this.truncated,
      problem,
    };
  }

  /** True when the file ended inside an item or before the delimiter. */
  get truncated(): boolean {
    return !this.delimited && this.problem === null;
  }

  private readHeader(): void {
    this.headerFill = 0;
    const group = this.header.readUInt16LE(0);
    const element = this.header.readUInt16LE(2);
    const length = this.header.readUInt32LE(4);
    if (group === ITEM_GROUP && element === SEQUENCE_DELIMITER) {
      this.delimited = true;
      if (this.items === 0) this.problem = 'the encapsulated Pixel Data has no Basic Offset Table item';
      // PS3.5 §A.4 (Table A.4-1): the Sequence Delimitation Item's length is 00000000H.
      else if (length !== 0) this.problem = `the Sequence Delimitation Item of the encapsulated Pixel Data has length ${length}, not 0`;
      return;
    }
    if (group !== ITEM_GROUP || element !== ITEM) {
      this.problem = `unexpected tag (${hex(group)},${hex(element)}) where an item of the encapsulated Pixel Data was expected`;
      return;
    }
    if (length === 0xffffffff) {
      this.problem = 'an item of the encapsulated Pixel Data has an undefined length';
      return;
    }
    if (this.items === 0) {
      if (length % 4 !== 0) {
        this.problem = `the Basic Offset Table length ${length} is not a multiple of 4`;
        return;
      }
      this.offsetTableEntries = length / 4;
    } else if (length % 2 !== 0) {
      this.problem = `fragment ${this.items} has an odd length (${length})`;
      return;
    }
    this.items += 1;
    this.skipRemaining = length;
  }
}

function hex(value: number): string {
  return value.toString(16).toUpperCase().padStart(4, '0');
}
