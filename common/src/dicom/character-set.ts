import iconv from 'iconv-lite';

/**
 * Decodes DICOM text with the file's Specific Character Set (0008,0005), PS3.3 §C.12.1.1.2 and PS3.5 §6.1.
 * Single-byte sets map to one decoder; ISO 2022 code extensions switch sets at escape sequences.
 */
const SingleByte: Record<string, string> = {
  '': 'latin1',
  'ISO_IR 6': 'latin1',
  'ISO_IR 100': 'latin1',
  'ISO_IR 101': 'iso-8859-2',
  'ISO_IR 109': 'iso-8859-3',
  'ISO_IR 110': 'iso-8859-4',
  'ISO_IR 144': 'iso-8859-5',
  'ISO_IR 127': 'iso-8859-6',
  'ISO_IR 126': 'iso-8859-7',
  'ISO_IR 138': 'iso-8859-8',
  'ISO_IR 148': 'iso-8859-9',
  'ISO_IR 203': 'iso-8859-15',
  'ISO_IR 13': 'shift_jis',
  'ISO_IR 166': 'tis-620',
  'ISO_IR 192': 'utf8',
  GB18030: 'gb18030',
  GBK: 'gbk',
};

/** ISO 2022 escape sequences (PS3.3 Table C.12-3 and C.12-4) to the decoder of the set they select. */
const Escapes: Record<string, { decoder: string; highBit: boolean }> = {
  '\x1b(B': { decoder: 'latin1', highBit: false }, // ISO-IR 6
  '\x1b-A': { decoder: 'latin1', highBit: false }, // ISO-IR 100
  '\x1b-B': { decoder: 'iso-8859-2', highBit: false },
  '\x1b-C': { decoder: 'iso-8859-3', highBit: false },
  '\x1b-D': { decoder: 'iso-8859-4', highBit: false },
  '\x1b-L': { decoder: 'iso-8859-5', highBit: false },
  '\x1b-G': { decoder: 'iso-8859-6', highBit: false },
  '\x1b-F': { decoder: 'iso-8859-7', highBit: false },
  '\x1b-H': { decoder: 'iso-8859-8', highBit: false },
  '\x1b-M': { decoder: 'iso-8859-9', highBit: false },
  '\x1b-b': { decoder: 'iso-8859-15', highBit: false },
  '\x1b-T': { decoder: 'tis-620', highBit: false },
  '\x1b)I': { decoder: 'shift_jis', highBit: false }, // JIS X 0201 katakana (G1)
  '\x1b(J': { decoder: 'shift_jis', highBit: false }, // JIS X 0201 romaji (G0)
  '\x1b$B': { decoder: 'euc-jp', highBit: true }, // JIS X 0208, 7-bit in G0: set the high bit to read it as EUC-JP
  '\x1b$(D': { decoder: 'euc-jp', highBit: false }, // JIS X 0212: approximated by EUC-JP
  '\x1b$)C': { decoder: 'euc-kr', highBit: false }, // KS X 1001 in G1
  '\x1b$)A': { decoder: 'gb2312', highBit: false }, // GB 2312 in G1
};

export function normaliseCharacterSets(value: string | undefined): string[] {
  if (!value) return [''];
  return value.split('\\').map((term) => term.trim());
}

function decoderFor(term: string): string {
  const single = SingleByte[term];
  if (single) return single;
  if (term.startsWith('ISO 2022 ')) return SingleByte[term.replace('ISO 2022 ', 'ISO_IR ')] ?? 'latin1';
  return 'latin1';
}

export function decodeText(bytes: Uint8Array, characterSets: readonly string[]): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const first = characterSets[0] ?? '';
  const usesCodeExtensions = characterSets.length > 1 || first.startsWith('ISO 2022');
  if (!usesCodeExtensions || !buffer.includes(0x1b)) return iconv.decode(buffer, decoderFor(first));
  return decodeWithEscapes(buffer, decoderFor(first));
}

function decodeWithEscapes(buffer: Buffer, initialDecoder: string): string {
  let out = '';
  let current = { decoder: initialDecoder, highBit: false };
  let start = 0;
  const flush = (end: number): void => {
    if (end <= start) return;
    let segment = buffer.subarray(start, end);
    if (current.highBit) segment = Buffer.from(segment.map((byte) => (byte >= 0x21 && byte <= 0x7e ? byte | 0x80 : byte)));
    out += iconv.decode(segment, current.decoder);
  };
  for (let i = 0; i < buffer.length; i++) {
    if (buffer[i] !== 0x1b) {
      // PS3.5 §6.1.2.5.3: delimiters and control characters return to the initial set.
      continue;
    }
    const match = Object.keys(Escapes).find((escape) => buffer.toString('latin1', i, i + escape.length) === escape);
    flush(i);
    if (match) {
      current = Escapes[match]!;
      i += match.length - 1;
      start = i + 1;
    } else {
      start = i + 1;
    }
  }
  flush(buffer.length);
  return out;
}
