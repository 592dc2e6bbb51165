import iconv from 'iconv-lite';

/**
 * One graphic character set as ISO 2022 sees it: where it is designated and how a run of its bytes reads.
 * DICOM uses 8-bit code with G0 invoked in GL (21H–7EH) and G1 in GR (A0H–FFH), PS3.5 §6.1.2.5.1.
 */
export interface GraphicSet {
  /** The ISO-IR registration, for messages and tests. */
  readonly registration: string;
  readonly element: 'G0' | 'G1';
  readonly bytesPerCharacter: 1 | 2;
  /** Decodes a run of this set's bytes exactly as they stand in the value (GL bytes for G0, GR bytes for G1). */
  decode(run: Buffer): string;
}

const REPLACEMENT = '\ufffd';
// A validator must see the bytes as written, so a UTF-8 BOM is kept rather than silently dropped.
const IconvOptions = { stripBOM: false } as const;

function withIconv(registration: string, element: 'G0' | 'G1', bytesPerCharacter: 1 | 2, label: string): GraphicSet {
  return { registration, element, bytesPerCharacter, decode: (run) => iconv.decode(run, label, IconvOptions) };
}

function withBytes(
  registration: string,
  element: 'G0' | 'G1',
  bytesPerCharacter: 1 | 2,
  map: (run: Buffer) => Buffer,
  label: string,
): GraphicSet {
  return { registration, element, bytesPerCharacter, decode: (run) => iconv.decode(map(run), label, IconvOptions) };
}

// Every GL byte is below 80H, so latin1 reads it as ASCII without a lookup.
const ascii = (registration: string): GraphicSet => withIconv(registration, 'G0', 1, 'latin1');

/** JIS X 0201 katakana fill A1H–DFH; the rest of GR is unassigned in that set. */
function decodeKatakana(run: Buffer): string {
  let out = '';
  for (const byte of run) out += byte >= 0xa1 && byte <= 0xdf ? String.fromCharCode(0xff61 + byte - 0xa1) : REPLACEMENT;
  return out;
}

/** EUC-JP is JIS X 0208 moved to GR, so setting the high bit of each 7-bit byte makes it readable. */
function toEucJp0208(run: Buffer): Buffer {
  return Buffer.from(run.map((byte) => byte | 0x80));
}

/** EUC-JP reaches JIS X 0212 through single shift 3 (8FH) before each high-bit pair. */
function toEucJp0212(run: Buffer): Buffer {
  const out: number[] = [];
  for (let i = 0; i < run.length; i += 2) {
    out.push(0x8f, run[i]! | 0x80);
    if (i + 1 < run.length) out.push(run[i + 1]! | 0x80);
  }
  return Buffer.from(out);
}

/**
 * The sets named by PS3.3 §C.12.1.1.2 Tables C.12-2 to C.12-4, keyed by ISO-IR number.
 * ISO-IR 14 (JIS X 0201 romaji) differs from ASCII only at 5CH (YEN SIGN) and 7EH (OVERLINE); it is read as
 * ASCII so that 5CH stays the value delimiter '\' that callers split on, as pydicom's shift_jis does too.
 */
export const GraphicSets = Object.freeze({
  IsoIr6: ascii('ISO-IR 6'),
  IsoIr14: ascii('ISO-IR 14'),
  IsoIr100: withIconv('ISO-IR 100', 'G1', 1, 'latin1'),
  IsoIr101: withIconv('ISO-IR 101', 'G1', 1, 'iso-8859-2'),
  IsoIr109: withIconv('ISO-IR 109', 'G1', 1, 'iso-8859-3'),
  IsoIr110: withIconv('ISO-IR 110', 'G1', 1, 'iso-8859-4'),
  IsoIr144: withIconv('ISO-IR 144', 'G1', 1, 'iso-8859-5'),
  IsoIr127: withIconv('ISO-IR 127', 'G1', 1, 'iso-8859-6'),
  IsoIr126: withIconv('ISO-IR 126', 'G1', 1, 'iso-8859-7'),
  IsoIr138: withIconv('ISO-IR 138', 'G1', 1, 'iso-8859-8'),
  IsoIr148: withIconv('ISO-IR 148', 'G1', 1, 'iso-8859-9'),
  IsoIr203: withIconv('ISO-IR 203', 'G1', 1, 'iso-8859-15'),
  IsoIr166: withIconv('ISO-IR 166', 'G1', 1, 'tis620'),
  IsoIr13: { registration: 'ISO-IR 13', element: 'G1', bytesPerCharacter: 1, decode: decodeKatakana } satisfies GraphicSet,
  IsoIr87: withBytes('ISO-IR 87', 'G0', 2, toEucJp0208, 'euc-jp'),
  IsoIr159: withBytes('ISO-IR 159', 'G0', 2, toEucJp0212, 'euc-jp'),
  // KS X 1001 and GB 2312 sit in GR already, which is exactly EUC-KR and EUC-CN.
  IsoIr149: withIconv('ISO-IR 149', 'G1', 2, 'euc-kr'),
  IsoIr58: withIconv('ISO-IR 58', 'G1', 2, 'gb2312'),
  /**
   * PS3.5 §6.1.2.5.4 c: with an empty value 1, "G1 is undefined". Stray GR bytes are still shown, as Latin-1,
   * which is also what pydicom's default encoding does, instead of being dropped.
   */
  Undefined: withIconv('none', 'G1', 1, 'latin1'),
});

/**
 * ISO 2022 escape sequences (the bytes after ESC) that DICOM allows, PS3.3 Table C.12-3 (single-byte) and
 * Table C.12-4 (multi-byte). ESC ( B and ESC ( J return G0 to ASCII or JIS X 0201 romaji.
 */
export const EscapeSequences: Readonly<Record<string, GraphicSet>> = Object.freeze({
  '(B': GraphicSets.IsoIr6,
  '(J': GraphicSets.IsoIr14,
  ')I': GraphicSets.IsoIr13,
  '-A': GraphicSets.IsoIr100,
  '-B': GraphicSets.IsoIr101,
  '-C': GraphicSets.IsoIr109,
  '-D': GraphicSets.IsoIr110,
  '-L': GraphicSets.IsoIr144,
  '-G': GraphicSets.IsoIr127,
  '-F': GraphicSets.IsoIr126,
  '-H': GraphicSets.IsoIr138,
  '-M': GraphicSets.IsoIr148,
  '-b': GraphicSets.IsoIr203,
  '-T': GraphicSets.IsoIr166,
  $B: GraphicSets.IsoIr87,
  // ISO 2022's long form of the same designation; DICOM writes the short one, some writers do not.
  '$(B': GraphicSets.IsoIr87,
  '$(D': GraphicSets.IsoIr159,
  '$)C': GraphicSets.IsoIr149,
  '$)A': GraphicSets.IsoIr58,
});
