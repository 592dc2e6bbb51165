/**
 * Interoperability with dciodvfy (dicom3tools), the reference DICOM verifier: every error dciodvfy reports
 * about a missing or empty attribute, a bad value or a broken structure must have a finding of ours about
 * the same attribute and of the same kind, unless the difference is deliberate and listed in DIFFERENCES.
 * Run by `npm run test:interop`; needs `dciodvfy` on PATH (Debian package dicom3tools) and the shared corpus.
 */
import { execFile, spawnSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { FindingCodes, inspectStream, isFindingCode, TransferSyntax, type Finding } from '@dsv/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectOptions, loadValidatorConfig } from '../../validator/src/config.ts';
import { validateFile, type FileValidation } from '../../validator/src/domain/validate-file.ts';
import { validateUpload } from '../../validator/src/domain/validate-upload.ts';
import { iodOfSopClass, IOD_TABLES } from '../../validator/src/domain/iod/iod-tables.ts';
import type { Rule } from '../../validator/src/domain/iod/table-types.ts';
import { corpusAvailable, corpusSkipReason, entryFiles, loadManifest, projectRoot } from '../support/corpus.ts';
import { generatorAvailable, generatorSkipReason, makeStudy, python } from '../support/make-study.ts';
import { ctImage, element, encapsulatedSecondaryCapture, secondaryCaptureImage, us } from '../../validator/test/support/fixtures.ts';

const run = promisify(execFile);
const dciodvfyAvailable = !spawnSync('dciodvfy', [], { encoding: 'utf8' }).error;
const skipReason = !dciodvfyAvailable
  ? 'dciodvfy is not on PATH (apt-get install dicom3tools): dciodvfy interop skipped'
  : !corpusAvailable
    ? corpusSkipReason
    : undefined;
if (skipReason) console.warn(`[interop] ${skipReason}`);

const config = loadValidatorConfig({ CONFIG_DIR: path.join(projectRoot, 'config') });

/** What a dciodvfy error is about. */
type Kind =
  | 'missing'
  | 'empty'
  | 'value'
  | 'meta-mismatch'
  | 'meta-uid'
  | 'transfer-syntax'
  | 'pixel-length'
  | 'read-failed'
  | 'no-iod'
  | 'frame-count'
  | 'uid-root'
  | 'private-creator'
  | 'sr-content'
  | 'not-permitted'
  | 'other';

interface DciodvfyError {
  line: string;
  kind: Kind;
  keyword: string | undefined;
  module: string | undefined;
}

/**
 * Where we deliberately differ from dciodvfy. A dciodvfy error of one of these kinds that has no matching
 * finding is counted as "documented", not "missed".
 */
const DIFFERENCES = {
  deflated: {
    case: 'Deflated Explicit VR Little Endian files (image_dfl.dcm, valid/synthetic/ct-deflated)',
    reason:
      "Debian 12's dicom3tools cannot inflate the data set and reports read failures on valid files (dcmtk and pydicom read them); we inflate it, with a deflate-bomb limit",
  },
  unreadable: {
    case: 'attributes after a cut, an implausible length, or in a data set whose transfer syntax is not named',
    reason:
      'dciodvfy guesses on and lists every attribute after the damage as missing; we report the damage once (truncated, length-past-eof, huge-length, meta-missing-transfer-syntax) and skip conformance checks on a header that was not read whole',
  },
  'uid-root': {
    case: "a UID whose root arc is not 0, 1 or 2 ('9.8.7.6' in test-SR.dcm)",
    reason: 'an ISO/IEC 8824 registration rule, not the PS3.5 §9.1 encoding grammar we check; made-up roots are harmless to storage',
  },
  'private-creator': {
    case: 'a private creator in the reserved elements (gggg,0001-000F) or empty (pcir-ct-head)',
    reason: "private elements are their creator's business; they never stop a PACS from storing or showing the public data",
  },
  'sr-content': {
    case: 'SR content tree semantics (references missing from the evidence sequences, child items of SCOORD)',
    reason: 'we check the SR document modules and the Type 1/2 attributes of their items, not the content tree against its templates',
  },
  'not-permitted': {
    case: 'a Type 1C attribute sent although its condition does not hold',
    reason: 'we check that required attributes are there, not that conditional ones are absent when not required',
  },
  edition: {
    case: "the attribute or module is required by dciodvfy's own templates (Debian dicom3tools 2022-06) and not by ours (the 2025-10 snapshot in ../shared/standard): a Type or module usage that differs, a 1C/2C condition that differs, or a SOP Class newer than dciodvfy",
    reason:
      'the standard and the templates changed between the two snapshots (StructureSetROISequence Type 3, PerFrameFunctionalGroupsSequence 1C for TILED_FULL segmentations, Patient Orientation not asked of a Segmentation); we follow the newer tables, and each such error is checked against the generated table',
  },
} as const;
type Difference = keyof typeof DIFFERENCES;

/** Severity notes printed with the table (not failures). */
const NOTES = [
  'IOD-table findings (modules of the SOP Class) are warnings by default (config iod.severity): dciodvfy calls every IOD nit an error, an ingestion gate should not reject a study for a missing Type 2C Laterality. They still count as matched.',
  'dciodvfy does not flag a missing preamble, DICM or file meta (it reads raw data sets); we reject them: extra findings of ours.',
  'dciodvfy aborts (assertion in attrothr.cc) on 32-bit RT Dose pixel data (invalid/samples/rtdose.dcm): no errors from it; ours are extra.',
  'Study-level findings (duplicate SOP Instance UID, mixed study, inconsistent patient/modality/frame of reference, instance numbers, slice spacing) have no dciodvfy counterpart: extra.',
];

function classify(line: string): DciodvfyError {
  const keyword = /<\/(?:[^>]*\/)?([A-Za-z0-9]+)\([0-9a-f]{4},[0-9a-f]{4}\)(?:\[\d+\])?>/.exec(line)?.[1];
  const kind: Kind = /Missing attribute|Required unless/.test(line)
    ? 'missing'
    : /Empty attribute/.test(line)
      ? 'empty'
      : /Illegal root for UID/.test(line)
        ? 'uid-root'
        : /Value invalid for this VR|Unrecognized enumerated value|Value out of range|A value is required for value|Value dubious/.test(
              line,
            )
          ? 'value'
          : /MediaStorageSOP(Instance|Class)UID different from/.test(line)
            ? 'meta-mismatch'
            : /MediaStorageSOP(Instance|Class)UID but missing/.test(line)
              ? 'meta-uid'
              : /doesn't contain Transfer Syntax UID/.test(line)
                ? 'transfer-syntax'
                : /PixelData has incorrect value length/.test(line)
                  ? 'pixel-length'
                  : /read failed|Seek failed|Tags out of order/.test(line)
                    ? 'read-failed'
                    : /Information Object Not found/.test(line)
                      ? 'no-iod'
                      : /PerFrameFunctionalGroupsSequence does not match NumberOfFrames/.test(line)
                        ? 'frame-count'
                        : /Bad private owner/.test(line)
                          ? 'private-creator'
                          : /Referenced SOP Instance is not listed|Content Item has missing|Shall not be present for Referenced SOP Class|is required for root content item/.test(
                                line,
                              )
                            ? 'sr-content'
                            : /present when condition unsatisfied|May only be present|May not be present/.test(line)
                              ? 'not-permitted'
                              : 'other';
  const module = /Module=<([A-Za-z0-9]+)>/.exec(line)?.[1];
  return { line, kind, keyword, module };
}

async function dciodvfy(file: string): Promise<DciodvfyError[]> {
  // dciodvfy exits non-zero when it finds errors; its findings are on stderr.
  const { stdout, stderr } = await run('dciodvfy', ['-new', file], { maxBuffer: 16 * 1024 * 1024 }).catch(
    (error: { stdout?: string; stderr?: string }) => ({
      stdout: error.stdout ?? '',
      stderr: error.stderr ?? '',
    }),
  );
  const lines = `${stderr}\n${stdout}`.split('\n').filter((line) => line.includes('Error - '));
  return [...new Set(lines)].map(classify);
}

const MISSING = new Set(['missing-type1', 'missing-type1c', 'missing-type2', 'missing-type2c', 'empty-type1']);
const VALUE = new Set(['bad-vr', 'bad-vm', 'bad-enum', 'path-traversal', 'inconsistent-pixel-attributes']);
const DAMAGE = new Set(['truncated', 'length-past-eof', 'huge-length', 'unparseable']);
/** After these the data set was not read whole, so the validator checks no attribute of it. */
const UNREADABLE = new Set([...DAMAGE, 'meta-missing-transfer-syntax', 'inflate-failed', 'header-too-large']);
const category = (finding: Finding) => (isFindingCode(finding.code) ? FindingCodes[finding.code].category : 'conformance');
const keywordOf = (finding: Finding) =>
  finding.path
    ?.split('.')
    .pop()
    ?.replace(/\[\d+\]$/, '') ?? finding.keyword;

/** Our finding that answers a dciodvfy error, or undefined. */
function match(error: DciodvfyError, ours: readonly Finding[]): Finding | undefined {
  const about = (keyword: string | undefined) => (finding: Finding) => keyword !== undefined && keywordOf(finding) === keyword;
  const has = (test: (finding: Finding) => boolean) => ours.find(test);
  switch (error.kind) {
    case 'missing':
    case 'empty':
      // An unreadable value is as good as absent to dciodvfy; a missing meta element has its own code.
      return has((f) => about(error.keyword)(f) && (MISSING.has(f.code) || DAMAGE.has(f.code) || f.code.startsWith('meta-missing')));
    case 'value':
      return has((f) => about(error.keyword)(f) && (VALUE.has(f.code) || MISSING.has(f.code)));
    case 'meta-mismatch':
      return has((f) => f.code === 'meta-sop-instance-mismatch' || f.code === 'meta-sop-class-mismatch');
    case 'meta-uid':
      return has((f) => MISSING.has(f.code) && (f.keyword === 'SOPClassUID' || f.keyword === 'SOPInstanceUID'));
    case 'transfer-syntax':
      return has((f) => f.code === 'meta-missing-transfer-syntax');
    case 'pixel-length':
      return has((f) => f.code === 'pixel-length-mismatch');
    case 'read-failed':
      return has((f) => f.severity === 'error' && (category(f) === 'format' || category(f) === 'integrity'));
    case 'no-iod':
      return has((f) => category(f) === 'format' || (MISSING.has(f.code) && f.keyword === 'SOPClassUID'));
    case 'frame-count':
      return has((f) => f.code === 'inconsistent-pixel-attributes' && f.keyword === 'PerFrameFunctionalGroupsSequence');
    default:
      return undefined;
  }
}

/** Why an unmatched dciodvfy error is a deliberate difference, or undefined when it is a miss. */
function documented(
  error: DciodvfyError,
  ours: readonly Finding[],
  deflated: boolean,
  sopClassUID: string | undefined,
): Difference | undefined {
  if (deflated) return 'deflated';
  if (['missing', 'empty', 'meta-uid', 'no-iod'].includes(error.kind) && ours.some((f) => UNREADABLE.has(f.code))) return 'unreadable';
  if (error.kind === 'no-iod' && iodOfSopClass(sopClassUID) !== undefined) return 'edition';
  if ((error.kind === 'missing' || error.kind === 'empty') && notRequiredByOurTables(error, sopClassUID)) return 'edition';
  if (error.kind === 'uid-root' || error.kind === 'private-creator' || error.kind === 'sr-content' || error.kind === 'not-permitted')
    return error.kind;
  return undefined;
}

/**
 * Whether the generated tables (2025-10 templates) leave out what dciodvfy (its 2022-06 templates) asked for:
 * its module is not in our IOD of the SOP Class, or our module does not list the attribute with Type 1 or 2
 * (unconditionally) where dciodvfy's message says Type 1 or 2 Required.
 */
function notRequiredByOurTables(error: DciodvfyError, sopClassUID: string | undefined): boolean {
  const iod = iodOfSopClass(sopClassUID);
  if (!iod || error.module === undefined || error.keyword === undefined) return false;
  const use = iod.table.m.find(([module]) => module === error.module);
  const macro = IOD_TABLES.macros[error.module] !== undefined;
  // Not in our IOD, or conditional or user optional there where dciodvfy's older tables make it mandatory.
  if (!macro && (use === undefined || use[1] !== 'M')) return true;
  const rules = IOD_TABLES.modules[error.module] ?? IOD_TABLES.macros[error.module] ?? [];
  const type = findType(rules, error.keyword, 0);
  const theirs = /Type (1C|2C|1|2) /.exec(error.line)?.[1];
  if (type === undefined) return true;
  if ((theirs === '1' || theirs === '2') && (type === '1C' || type === '2C' || type === '3')) return true;
  // Both conditional: we did not report it, so our condition (2025-10) does not hold for this file where theirs did.
  return (theirs === '1C' || theirs === '2C') && (type === '1C' || type === '2C');
}

function findType(rules: readonly Rule[], keyword: string, depth: number): string | undefined {
  for (const rule of rules) {
    if ('m' in rule) {
      const inner = depth < 6 ? findType(IOD_TABLES.macros[rule.m] ?? [], keyword, depth + 1) : undefined;
      if (inner !== undefined) return inner;
    } else if ('k' in rule && rule.k === keyword) {
      return rule.t;
    }
  }
  return undefined;
}

interface Row {
  group: string;
  files: number;
  dciodvfy: number;
  ours: number;
  matched: number;
  asWarning: number;
  documented: number;
  missed: number;
  extra: number;
}

interface Upload {
  group: string;
  label: string;
  files: string[];
}

const rows = new Map<string, Row>();
/** dciodvfy's missing/empty Type 1/1C/2/2C errors: how many, how many we also report, and why not the others. */
const required = { total: 0, matched: 0, byReason: new Map<Difference | 'missed', number>() };
const isRequiredKind = (error: DciodvfyError) => error.kind === 'missing' || error.kind === 'empty';
const misses: string[] = [];
const documentedCounts = new Map<Difference, number>();
const extraCodes = new Map<string, number>();

async function compare(upload: Upload): Promise<void> {
  const validations: FileValidation[] = [];
  for (const file of upload.files) {
    const inspection = await inspectStream(createReadStream(file), inspectOptions(config));
    validations.push(validateFile(inspection, path.basename(file), config));
  }
  const verdict = validateUpload(validations, config.severity);
  const all = [...verdict.errors, ...verdict.warnings];
  const row = rows.get(upload.group) ?? {
    group: upload.group,
    files: 0,
    dciodvfy: 0,
    ours: 0,
    matched: 0,
    asWarning: 0,
    documented: 0,
    missed: 0,
    extra: 0,
  };
  rows.set(upload.group, row);
  const used = new Set<Finding>();
  for (const [index, file] of upload.files.entries()) {
    const name = path.basename(file);
    const ours = all.filter((finding) => finding.file === name);
    const deflated = validations[index]?.instance.TransferSyntaxUID === TransferSyntax.DeflatedExplicitVRLittleEndian.uid;
    const sopClassUID = validations[index]?.instance.SOPClassUID;
    const errors = await dciodvfy(file);
    row.files += 1;
    row.dciodvfy += errors.length;
    for (const error of errors) {
      const answer = match(error, ours);
      if (isRequiredKind(error)) {
        required.total += 1;
        if (answer) required.matched += 1;
      }
      if (answer) {
        used.add(answer);
        row.matched += 1;
        if (answer.severity === 'warning') row.asWarning += 1;
        continue;
      }
      const why = documented(error, ours, deflated, sopClassUID);
      if (isRequiredKind(error)) required.byReason.set(why ?? 'missed', (required.byReason.get(why ?? 'missed') ?? 0) + 1);
      if (why) {
        row.documented += 1;
        documentedCounts.set(why, (documentedCounts.get(why) ?? 0) + 1);
        continue;
      }
      row.missed += 1;
      misses.push(`${upload.label} ${name}: [${error.kind}] ${error.line.trim()}`);
    }
  }
  row.ours += all.length;
  for (const finding of all) {
    if (used.has(finding)) continue;
    row.extra += 1;
    extraCodes.set(finding.code, (extraCodes.get(finding.code) ?? 0) + 1);
  }
}

function table(): string {
  const total: Row = { group: 'total', files: 0, dciodvfy: 0, ours: 0, matched: 0, asWarning: 0, documented: 0, missed: 0, extra: 0 };
  for (const row of rows.values()) {
    for (const key of ['files', 'dciodvfy', 'ours', 'matched', 'asWarning', 'documented', 'missed', 'extra'] as const)
      total[key] += row[key];
  }
  const header = '| uploads | files | dciodvfy errors | ours | matched | of which our warnings | documented | missed | extra |';
  const lines = [...rows.values(), total].map(
    (r) =>
      `| ${r.group} | ${r.files} | ${r.dciodvfy} | ${r.ours} | ${r.matched} | ${r.asWarning} | ${r.documented} | ${r.missed} | ${r.extra} |`,
  );
  const differences = [...documentedCounts].map(
    ([key, count]) => `| ${key} | ${count} | ${DIFFERENCES[key].case} | ${DIFFERENCES[key].reason} |`,
  );
  return [
    header,
    '|---|---|---|---|---|---|---|---|---|',
    ...lines,
    '',
    '| documented difference | dciodvfy errors | case | reason |',
    '|---|---|---|---|',
    ...differences,
    '',
    `extra findings by code: ${[...extraCodes]
      .sort((a, b) => b[1] - a[1])
      .map(([code, n]) => `${code} ${n}`)
      .join(', ')}`,
    '',
    ...NOTES.map((note) => `- ${note}`),
  ].join('\n');
}

/**
 * Files made here: each make_study.py kind, and the same files with attributes of their IOD deleted or
 * emptied by pydicom, so that the IOD table is measured against dciodvfy's own.
 */
const MUTATIONS: Record<string, string[]> = {
  ct: [
    'ImageType',
    'KVP',
    'RescaleSlope',
    'PositionReferenceIndicator',
    'Manufacturer',
    'PixelSpacing',
    'SliceThickness',
    'PatientPosition',
    'InstanceNumber',
  ],
  mr: ['ScanningSequence', 'EchoTime', 'SequenceVariant=', 'ImageOrientationPatient', 'FrameOfReferenceUID', 'Modality='],
  cr: ['ViewPosition', 'BodyPartExamined', 'PatientOrientation', 'PhotometricInterpretation'],
  dx: ['ImageLaterality', 'PresentationIntentType', 'ImagerPixelSpacing', 'DetectorType', 'PixelIntensityRelationship', 'PatientID'],
  mf: ['BurnedInAnnotation', 'ConversionType', 'FrameIncrementPointer', 'RescaleType', 'StudyDate'],
};

/**
 * One near-empty instance per storage SOP Class of the generated IOD tables: the five attributes of the
 * configured Type 1 list (and a 2 x 2 image where the IOD makes the Image Pixel Module mandatory), so that
 * dciodvfy and the tables each list every attribute they require. Modality is the first of the IOD's
 * Enumerated Values for it, else OT; Bits Allocated 8 where the IOD's Enumerated Values allow it, else 16.
 */
function skeletons(): { name: string; sopClass: string; modality: string; bits: number }[] {
  return Object.entries(IOD_TABLES.sopClasses)
    .filter(([uid, { name }]) => uid.startsWith('1.2.840.10008.5.1.4.1.1.') && /Storage/.test(name) && !/Retired|Standalone/.test(name))
    .map(([uid, { name, iods }]) => {
      const iod = IOD_TABLES.iods[iods[0]!]!;
      const image = iod.m.some(([module, usage]) => module === 'ImagePixel' && usage === 'M');
      return {
        name,
        sopClass: uid,
        modality: enumeratedOf(iods[0]!, 'Modality')?.[0]?.toString() ?? 'OT',
        bits: image ? bitsOf(iods[0]!) : 0,
      };
    });
}

function bitsOf(iod: string): number {
  const allowed = enumeratedOf(iod, 'BitsAllocated');
  return allowed === undefined || allowed.includes(8) ? 8 : 16;
}

/** The Enumerated Values a mandatory module of the IOD gives a top-level attribute, if any. */
function enumeratedOf(iod: string, keyword: string): readonly (string | number)[] | undefined {
  for (const [module, usage] of IOD_TABLES.iods[iod]?.m ?? []) {
    if (usage !== 'M') continue;
    for (const rule of IOD_TABLES.modules[module] ?? []) {
      if (!('k' in rule) || rule.k !== keyword) continue;
      const list = rule.v?.find((check) => check.e !== undefined && check.c === undefined)?.e;
      if (list !== undefined) return IOD_TABLES.values[list];
    }
  }
  return undefined;
}

/** Writes one skeleton per line of the JSON list in argv[1]: [path, SOP Class UID, Modality, bits (0: no image)]. */
const SKELETON = `
import sys, json, pydicom
from pydicom.dataset import Dataset, FileMetaDataset
for out, sop, modality, bits in json.load(open(sys.argv[1])):
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = sop
    ds.file_meta.MediaStorageSOPInstanceUID = '2.25.42'
    ds.file_meta.TransferSyntaxUID = '1.2.840.10008.1.2.1'
    ds.file_meta.ImplementationClassUID = '2.25.7'
    ds.SOPClassUID, ds.SOPInstanceUID, ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.Modality = sop, '2.25.42', '2.25.43', '2.25.44', modality
    if bits:
        ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.Rows, ds.Columns = 1, 'MONOCHROME2', 2, 2
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = bits, bits, bits - 1, 0
        ds.PixelData = bytes(bits // 2)
    ds.is_little_endian, ds.is_implicit_VR = True, False
    ds.save_as(out, write_like_original=False)
`;

const MUTATE = `
import sys, pydicom
ds = pydicom.dcmread(sys.argv[1])
for spec in sys.argv[3:]:
    if spec.endswith('='):
        setattr(ds, spec[:-1], '')
    elif spec in ds:
        delattr(ds, spec)
ds.save_as(sys.argv[2], write_like_original=True)
`;

describe.skipIf(skipReason !== undefined)(`dciodvfy interop${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let scratch = '';
  const generated: Upload[] = [];

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'dciodvfy-interop-'));
    // The unit tests' hand-built files: conforming ones, and ones with a Type 1, 1C or 2 attribute taken out.
    const handBuilt: [string, Buffer][] = [
      ['ct.dcm', ctImage()],
      ['sc.dcm', secondaryCaptureImage()],
      ['ct-no-imagetype-kvp-position.dcm', ctImage({ '00080008': null, '00180060': null, '00185100': null, '00200032': null })],
      [
        'sc-rgb-no-planar.dcm',
        secondaryCaptureImage({
          '00280002': element('00280002', 'US', us(3)),
          '00280004': element('00280004', 'CS', 'RGB'),
          '7FE00010': element('7FE00010', 'OB', Buffer.alloc(12)),
        }),
      ],
      ['sc-no-conversion-type-orientation.dcm', secondaryCaptureImage({ '00080064': null, '00200020': null, '00200060': null })],
      ['sc-jpeg-ls.dcm', encapsulatedSecondaryCapture(TransferSyntax.JPEGLSLossless.uid)],
    ];
    for (const [name, bytes] of handBuilt) {
      const file = path.join(scratch, name);
      await writeFile(file, bytes);
      generated.push({ group: 'hand-built (validator/test/support)', label: name, files: [file] });
    }
    if (!(await generatorAvailable())) {
      console.warn(`[interop] ${generatorSkipReason}: generated studies left out`);
      return;
    }
    const kinds = [
      ['ct', ['--slices', '4', '--rows', '64', '--cols', '64', '--seed', '11']],
      ['mr', ['--slices', '3', '--rows', '64', '--cols', '64', '--ts', 'implicit-le', '--seed', '12']],
      ['cr', ['--rows', '128', '--cols', '128', '--seed', '13']],
      ['dx', ['--rows', '128', '--cols', '128', '--seed', '14']],
      ['mf', ['--frames', '4', '--rows', '64', '--cols', '64', '--seed', '15']],
      ['ct', ['--slices', '2', '--rows', '32', '--cols', '32', '--ts', 'explicit-be', '--seed', '16']],
    ] as const;
    const studies: Upload[] = [];
    for (const [index, [kind, args]] of kinds.entries()) {
      const files = await makeStudy(kind, path.join(scratch, `${kind}-${index}`), [...args]);
      studies.push({ group: 'generated (make_study.py)', label: `${kind} seed ${args.at(-1)}`, files });
    }
    generated.push(...studies);
    const script = path.join(scratch, 'mutate.py');
    await writeFile(script, MUTATE);
    for (const upload of studies.slice(0, 5)) {
      const kind = upload.label.split(' ')[0]!;
      const source = upload.files[0]!;
      const target = path.join(scratch, `${kind}-iod-broken.dcm`);
      await run(python, [script, source, target, ...(MUTATIONS[kind] ?? [])]);
      generated.push({
        group: 'generated, IOD attributes removed',
        label: `${kind} without ${MUTATIONS[kind]?.join(', ')}`,
        files: [target],
      });
    }
    const skeleton = path.join(scratch, 'skeleton.py');
    await writeFile(skeleton, SKELETON);
    const specs = skeletons().map(({ name, sopClass, modality, bits }) => [
      path.join(scratch, `skeleton-${name}.dcm`),
      sopClass,
      modality,
      bits,
    ]);
    const list = path.join(scratch, 'skeletons.json');
    await writeFile(list, JSON.stringify(specs));
    await run(python, [skeleton, list]);
    for (const [file] of specs) {
      generated.push({
        group: `IOD skeletons (${specs.length} storage SOP Classes of the generated tables)`,
        label: path.basename(String(file), '.dcm').replace('skeleton-', ''),
        files: [String(file)],
      });
    }
  }, 120_000);

  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('when dciodvfy and the validator read the same files, then every dciodvfy error has a finding of ours or a documented reason', async () => {
    for (const entry of loadManifest()) {
      await compare({ group: `corpus ${entry.expected}`, label: entry.path, files: entryFiles(entry) });
    }
    for (const upload of generated) await compare(upload);
    // Errors dciodvfy reports on files it cannot itself read (deflated), or on attributes after damage we report
    // once, are not comparable; the edition differences are, and count against us.
    const notComparable = (required.byReason.get('deflated') ?? 0) + (required.byReason.get('unreadable') ?? 0);
    const share = required.matched / (required.total - notComparable);
    const reasons = [...required.byReason].map(([why, count]) => `${why} ${count}`).join(', ');
    console.log(
      `\ndciodvfy agreement\n\n${table()}\n\nmissing/empty Type 1/1C/2/2C errors of dciodvfy: ${required.total}; we report ${required.matched} ` +
        `(${((100 * required.matched) / required.total).toFixed(1)}% of all; ${(100 * share).toFixed(1)}% of the ${required.total - notComparable} on files both read whole); not reported: ${reasons || 'none'}\n`,
    );
    if (misses.length > 0) console.log(`missed (no documented reason):\n${misses.join('\n')}`);
    expect(share).toBeGreaterThanOrEqual(0.95);
    expect(misses.filter((line) => !/\[(missing|empty)\]/.test(line))).toEqual([]);
    expect([...rows.values()].reduce((sum, row) => sum + row.matched, 0)).toBeGreaterThan(0);
  }, 600_000);
});
