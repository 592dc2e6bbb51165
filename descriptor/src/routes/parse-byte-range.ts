/** Inclusive byte offsets, as in Content-Range. */
export interface ByteRange {
  start: number;
  end: number;
}

const SINGLE_RANGE = /^bytes=\s*(?:(\d+)\s*-\s*(\d*)|-\s*(\d+))\s*$/i;

/**
 * The Range header of a request for a file of `size` bytes (RFC 9110 §14.1.2, §14.2). Answers null when
 * the whole file is to be sent: no header, another unit, a header that breaks the grammar, or several
 * ranges (a server may ignore Range, §14.2; one range is what viewers ask for). Answers 'unsatisfiable'
 * when the range starts past the end of the file (416).
 */
export function parseByteRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | null {
  if (header === undefined) return null;
  const match = SINGLE_RANGE.exec(header.trim());
  if (!match) return null;
  const [, first, last, suffix] = match;
  if (suffix !== undefined) {
    // bytes=-n: the last n bytes, or the whole file when it is shorter (§14.1.2).
    const length = toOffset(suffix);
    if (length === null) return null;
    if (length === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - length), end: size - 1 };
  }
  const start = toOffset(first!);
  const end = last === '' ? Number.MAX_SAFE_INTEGER : toOffset(last!);
  if (start === null || end === null) return null;
  // first-pos after last-pos is not a range at all: the header is ignored (§14.1.2).
  if (end < start) return null;
  if (start >= size) return 'unsatisfiable';
  return { start, end: Math.min(end, size - 1) };
}

function toOffset(digits: string): number | null {
  const value = Number(digits);
  return Number.isSafeInteger(value) ? value : null;
}
