import { readFileSync } from 'node:fs';
import path from 'node:path';
import { corpusDir } from '../../../test/support/corpus.ts';

/**
 * The top-level elements of a dcmdump reference output (`reference/<path>.dcmdump.txt`), by keyword:
 * the text between [ ] for strings, the printed value for binary numbers, null for "(no value available)".
 * Values dcmdump prints as a UID name (`=CTImageStorage`) are kept as printed. dcmdump writes text in the
 * file's own character set: pass 'utf8' for an ISO_IR 192 file.
 */
export function readDcmdump(corpusRelative: string, encoding: BufferEncoding = 'latin1'): Map<string, string | null> {
  const text = readFileSync(path.join(corpusDir, 'reference', `${corpusRelative}.dcmdump.txt`), encoding);
  const values = new Map<string, string | null>();
  for (const line of text.split('\n')) {
    const match = /^\([0-9a-f]{4},[0-9a-f]{4}\) [A-Z]{2} (.*?)\s+#\s*\d+,\s*\d+\s+(\w+)$/.exec(line);
    if (!match) continue;
    const [, printed, keyword] = match as unknown as [string, string, string];
    if (values.has(keyword)) continue;
    if (printed === '(no value available)') values.set(keyword, null);
    else if (printed.startsWith('[')) values.set(keyword, printed.slice(1, printed.lastIndexOf(']')));
    else values.set(keyword, printed);
  }
  return values;
}

/** A value the test needs: fails loudly when the reference does not have it. */
export function expectedValue(dump: Map<string, string | null>, keyword: string): string {
  const value = dump.get(keyword);
  if (value === undefined || value === null) throw new Error(`the dcmdump reference has no value for ${keyword}`);
  return value;
}
