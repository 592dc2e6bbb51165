import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { corpusDir } from './corpus.ts';

/**
 * The top-level values of a file as dcmtk's dcmdump printed them (the corpus keeps that output in
 * reference/<path>.dcmdump.txt): an independent reading to check our metadata against.
 */
export function dcmdumpValues(corpusFile: string): Map<string, string> | null {
  const relative = path.relative(corpusDir, corpusFile);
  const reference = path.join(corpusDir, 'reference', `${relative}.dcmdump.txt`);
  if (!existsSync(reference)) return null;
  const values = new Map<string, string>();
  for (const line of readFileSync(reference, 'utf8').split('\n')) {
    // Nested items are indented; only top-level elements start at column 0.
    const match = /^\(([0-9a-f]{4}),([0-9a-f]{4})\) (\w\w) (.*?)\s+#\s*\d+,\s*\d+\s+(\w+)\s*$/.exec(line);
    if (!match) continue;
    const [, , , , raw, keyword] = match;
    const bracketed = /^\[(.*)\]$/.exec(raw!.trim());
    values.set(keyword!, bracketed ? bracketed[1]! : raw!.trim() === '(no value available)' ? '' : raw!.trim());
  }
  return values;
}
