import { readFileSync } from 'node:fs';
import { DicomInspector, ElementReader } from '@dsv/common';

/** Reads a whole Part 10 file (bytes or a path) the way the descriptor does, and answers its reader. */
export function readerFor(file: Buffer | string): ElementReader {
  const inspector = new DicomInspector();
  inspector.write(typeof file === 'string' ? readFileSync(file) : file);
  const { parsed, issues } = inspector.end();
  if (!parsed) throw new Error(`not readable: ${JSON.stringify(issues)}`);
  return new ElementReader(parsed);
}
