import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DicomInspector, ElementReader } from '@dsv/common';
import {
  instanceDicomJson,
  type DicomJsonAttribute,
  type DicomJsonDataset,
  type DicomJsonValue,
} from '../../descriptor/src/domain/metadata/dicom-json.ts';
import { corpusAvailable, corpusDir, entryFiles, loadManifest } from '../support/corpus.ts';

/**
 * metadata.dicom.json against dcmtk's dcm2json, value for value, on every valid file of the corpus. Ours is
 * produced by the function the descriptor writes it with, from the header the descriptor parses. Bulk values
 * (a BulkDataURI on either side) are not compared: the descriptor never holds them.
 *
 * Rules of comparison, not differences: DS, IS and the binary numbers are compared as numbers (dcm2json
 * writes "5.0" where we write 5); FL as 32-bit floats (dcm2json prints 9 significant digits, we print the
 * shortest decimal that reads back as the same float).
 *
 * Choices the two share, so they are no difference: (0008,0005) becomes ISO_IR 192 (the JSON text is
 * Unicode); group lengths (gggg,0000) are left out; a PN group loses its trailing empty components ('^^^^'
 * is no name); 'US or SS' in an implicit VR file follows Pixel Representation.
 */
const hasDcm2json = spawnSync('dcm2json', ['--version'], { encoding: 'utf8' }).status === 0;
const skipReason = !hasDcm2json
  ? 'dcm2json (Debian package dcmtk) is not on PATH: DICOM JSON interop test skipped'
  : `the shared DICOM corpus is not at ${corpusDir}: DICOM JSON interop test skipped`;
if (!hasDcm2json || !corpusAvailable) console.warn(`[interop] ${skipReason}`);

interface Difference {
  file: string;
  /** Tag path, e.g. '00101002[0].00100020'. */
  path: string;
  tag: string;
  kind: 'missing-ours' | 'missing-theirs' | 'vr' | 'value';
  ours: unknown;
  theirs: unknown;
}

interface Documented {
  id: string;
  reason: string;
  applies(difference: Difference): boolean;
}

/** Every difference the test accepts, with why. Anything else fails the test. */
const DOCUMENTED: readonly Documented[] = [
  {
    id: 'after-pixel-data',
    reason:
      'Elements after Pixel Data (e.g. Data Set Trailing Padding FFFC,FFFC) are not in the header the descriptor keeps: it stops at Pixel Data so as never to hold pixels',
    applies: (d) => d.kind === 'missing-ours' && !d.path.includes('.') && d.tag > '7FE00010',
  },
];

let scratch = '';

describe.skipIf(!hasDcm2json || !corpusAvailable)('metadata.dicom.json against dcmtk dcm2json, every valid corpus file', () => {
  const files = loadManifest()
    .filter((entry) => entry.expected === 'valid')
    .flatMap(entryFiles);
  beforeAll(() => {
    scratch = mkdtempSync(path.join(os.tmpdir(), 'dsv-interop-json-'));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('when both convert the same file, then every non-bulk element agrees, or its difference is documented', () => {
    const tally = { files: 0, compared: 0, equal: 0, bulkSkipped: 0, documented: new Map<string, number>() };
    const undocumented: Difference[] = [];
    for (const file of files) {
      const relative = path.relative(corpusDir, file);
      const theirs = dcm2json(file);
      const ours = ourDicomJson(file);
      tally.files++;
      compareDataSets(ours, theirs, '', relative, {
        onEqual: () => {
          tally.compared++;
          tally.equal++;
        },
        onBulk: () => {
          tally.bulkSkipped++;
        },
        onDifference: (difference) => {
          tally.compared++;
          const documented = DOCUMENTED.find((entry) => entry.applies(difference));
          if (documented) tally.documented.set(documented.id, (tally.documented.get(documented.id) ?? 0) + 1);
          else undocumented.push(difference);
        },
      });
    }
    const documentedTotal = [...tally.documented.values()].reduce((sum, count) => sum + count, 0);
    console.log(
      [
        `DICOM JSON vs dcm2json: ${tally.files} files, ${tally.compared} elements compared, ${tally.equal} equal, ` +
          `${documentedTotal} documented differences, ${undocumented.length} undocumented; ${tally.bulkSkipped} bulk values not compared`,
        ...DOCUMENTED.map((entry) => `  ${entry.id}: ${tally.documented.get(entry.id) ?? 0} (${entry.reason})`),
      ].join('\n'),
    );
    expect(tally.files).toBe(files.length);
    expect(undocumented.slice(0, 20)).toEqual([]);
  });
});

/**
 * dcm2json 3.6.7 refuses compressed Pixel Data ("InlineBinary encoding not supported"): such a file is
 * converted from a copy without (7FE0,0010), erased by dcmodify. Pixel Data is a bulk value, never compared.
 */
function dcm2json(file: string): DicomJsonDataset {
  let result = run('dcm2json', ['--compact-code', file]);
  if (result.status !== 0 && /compressed pixel data/i.test(result.stderr)) {
    const copy = path.join(scratch, path.basename(file));
    copyFileSync(file, copy);
    const erased = run('dcmodify', ['--no-backup', '--erase-all', '(7fe0,0010)', copy]);
    if (erased.status !== 0) throw new Error(`dcmodify ${copy}: exit ${erased.status}: ${erased.stderr}`);
    result = run('dcm2json', ['--compact-code', copy]);
    if (result.status !== 0) throw new Error(`dcm2json ${copy}: exit ${result.status}: ${result.stderr}`);
    return { ...(JSON.parse(result.stdout) as DicomJsonDataset), '7FE00010': { vr: 'OB', BulkDataURI: 'erased before conversion' } };
  }
  if (result.status !== 0) throw new Error(`dcm2json ${file}: exit ${result.status}: ${result.stderr}`);
  return JSON.parse(result.stdout) as DicomJsonDataset;
}

function run(command: string, args: string[]) {
  return spawnSync(command, args, { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
}

function ourDicomJson(file: string): DicomJsonDataset {
  const inspector = new DicomInspector();
  inspector.write(readFileSync(file));
  const { parsed, issues } = inspector.end();
  if (!parsed) throw new Error(`${file}: not readable: ${JSON.stringify(issues)}`);
  return instanceDicomJson(new ElementReader(parsed), 'original.dcm');
}

interface Visitor {
  onEqual(): void;
  onBulk(): void;
  onDifference(difference: Difference): void;
}

function compareDataSets(ours: DicomJsonDataset, theirs: DicomJsonDataset, prefix: string, file: string, visit: Visitor): void {
  const tags = [...new Set([...Object.keys(ours), ...Object.keys(theirs)])].sort();
  for (const tag of tags) {
    const at = prefix ? `${prefix}.${tag}` : tag;
    const a = ours[tag];
    const b = theirs[tag];
    const report = (kind: Difference['kind'], x: unknown, y: unknown) =>
      visit.onDifference({ file, path: at, tag, kind, ours: x, theirs: y });
    if (!a || !b) {
      report(a ? 'missing-theirs' : 'missing-ours', a, b);
      continue;
    }
    if (a.BulkDataURI !== undefined || b.BulkDataURI !== undefined) {
      visit.onBulk();
      continue;
    }
    if (a.vr !== b.vr) {
      report('vr', a.vr, b.vr);
      continue;
    }
    if (a.vr === 'SQ') {
      const itemsA = (a.Value ?? []) as DicomJsonDataset[];
      const itemsB = (b.Value ?? []) as DicomJsonDataset[];
      if (itemsA.length !== itemsB.length) {
        report('value', `${itemsA.length} items`, `${itemsB.length} items`);
        continue;
      }
      visit.onEqual();
      itemsA.forEach((item, index) => compareDataSets(item, itemsB[index]!, `${at}[${index}]`, file, visit));
      continue;
    }
    if (sameAttribute(a, b)) visit.onEqual();
    else report('value', a.Value ?? a.InlineBinary ?? null, b.Value ?? b.InlineBinary ?? null);
  }
}

function sameAttribute(a: DicomJsonAttribute, b: DicomJsonAttribute): boolean {
  if (a.InlineBinary !== undefined || b.InlineBinary !== undefined) return a.InlineBinary === b.InlineBinary;
  const valuesA = a.Value ?? [];
  const valuesB = b.Value ?? [];
  return valuesA.length === valuesB.length && valuesA.every((value, index) => sameValue(a.vr, value, valuesB[index]!));
}

function sameValue(vr: string, a: DicomJsonValue, b: DicomJsonValue): boolean {
  if (typeof a === 'number' && typeof b === 'number') return vr === 'FL' ? Math.fround(a) === Math.fround(b) : a === b;
  return JSON.stringify(a) === JSON.stringify(b);
}
