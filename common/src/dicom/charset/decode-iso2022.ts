import { EscapeSequences, GraphicSets, type GraphicSet } from './graphic-sets.ts';

export interface Designation {
  readonly g0: GraphicSet;
  readonly g1: GraphicSet;
}

export interface Iso2022Rules {
  /** Whether escape sequences switch sets (PS3.5 §6.1.2.5.4 c) or are just an ESC character (a, b). */
  readonly codeExtensions: boolean;
  /** Graphic characters (besides every C0 control but ESC) before which the initial designation returns. */
  readonly delimiters: ReadonlySet<number>;
}

const ESC = 0x1b;

/** Empty or unknown value 1: ASCII in G0 and "G1 undefined" (PS3.5 §6.1.2.5.4 c). */
export const DefaultDesignation: Designation = Object.freeze({ g0: GraphicSets.IsoIr6, g1: GraphicSets.Undefined });

/**
 * Decodes an ISO 2022 8-bit value the way PS3.5 §6.1.2.5 describes it: G0 reads 21H–7EH, G1 reads A0H–FFH, escape
 * sequences redesignate either, and the designation of value 1 of Specific Character Set is back in force at
 * every control character other than ESC and before the delimiters of the VR (§6.1.2.5.3). Bytes are decoded in
 * runs per set, so a long value costs a few decoder calls rather than one per character. Never throws: what no
 * set can read becomes U+FFFD, and an unknown escape sequence is kept as an ESC character.
 */
export function decodeIso2022(bytes: Buffer, initial: Designation, rules: Iso2022Rules): string {
  let { g0, g1 } = initial;
  let out = '';
  let runSet: GraphicSet | null = null;
  let runStart = 0;
  const flush = (end: number): void => {
    if (runSet !== null && end > runStart) out += runSet.decode(bytes.subarray(runStart, end));
    runSet = null;
  };

  let i = 0;
  while (i < bytes.length) {
    const byte = bytes[i]!;
    if (byte === ESC && rules.codeExtensions) {
      const escape = readEscapeSequence(bytes, i);
      if (escape !== null) {
        flush(i);
        if (escape.set.element === 'G0') g0 = escape.set;
        else g1 = escape.set;
        i += escape.length;
        continue;
      }
    }
    // Inside a double-byte G0 set, 21H–7EH are halves of characters (ま is 24H 5EH), never '^' or '\'.
    const isControl = byte < 0x20 && byte !== ESC;
    if (isControl || (g0.bytesPerCharacter === 1 && rules.delimiters.has(byte))) {
      flush(i);
      ({ g0, g1 } = initial);
    }
    const set = setForByte(byte, g0, g1);
    if (set !== runSet) flush(i);
    if (set === null) out += String.fromCharCode(byte);
    else if (runSet === null) {
      runSet = set;
      runStart = i;
    }
    i += 1;
  }
  flush(bytes.length);
  return out;
}

/**
 * SPACE, DEL, the C0 and the C1 controls belong to no 94- or 96-character set (ISO/IEC 2022), so they stand for
 * themselves; a SPACE inside Japanese text is a SPACE, not half a kanji.
 */
function setForByte(byte: number, g0: GraphicSet, g1: GraphicSet): GraphicSet | null {
  if (byte >= 0xa0) return g1;
  if (byte >= 0x21 && byte <= 0x7e) return g0;
  return null;
}

/** ESC, intermediate bytes 20H–2FH, one final byte 30H–7EH (ISO/IEC 2022); null when not one DICOM allows. */
function readEscapeSequence(bytes: Buffer, at: number): { set: GraphicSet; length: number } | null {
  let end = at + 1;
  while (end < bytes.length && bytes[end]! >= 0x20 && bytes[end]! <= 0x2f) end += 1;
  if (end >= bytes.length || bytes[end]! < 0x30 || bytes[end]! > 0x7e) return null;
  const set = EscapeSequences[bytes.toString('latin1', at + 1, end + 1)];
  return set === undefined ? null : { set, length: end + 1 - at };
}
