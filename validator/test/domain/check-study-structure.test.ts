import type { InstanceSummary } from '@dsv/common';
import { describe, expect, it } from 'vitest';
import { checkStudyStructure } from '../../src/domain/check-study-structure.ts';
import { validateFile } from '../../src/domain/validate-file.ts';
import { corpusAvailable } from '../../../test/support/corpus.ts';
import { inspectCorpus, projectConfig } from '../support/inspect.ts';

const instance = (file: string, attributes: Partial<InstanceSummary>): InstanceSummary => ({
  file,
  sizeBytes: 1,
  readable: true,
  StudyInstanceUID: '1.2.3',
  SeriesInstanceUID: '1.2.3.1',
  PatientID: 'P1',
  Modality: 'CT',
  ...attributes,
});

describe('checkStudyStructure', () => {
  it('when every file belongs to one study, patient and series modality, then there is no finding', () => {
    expect(checkStudyStructure([instance('0001.dcm', { SOPInstanceUID: '1' }), instance('0002.dcm', { SOPInstanceUID: '2' })])).toEqual([]);
  });

  it('when two files share a SOP Instance UID, then duplicate-sop-instance names both', () => {
    const findings = checkStudyStructure([instance('0001.dcm', { SOPInstanceUID: '9' }), instance('0002.dcm', { SOPInstanceUID: '9' })]);
    expect(findings).toEqual([
      expect.objectContaining({ code: 'duplicate-sop-instance', files: ['0001.dcm', '0002.dcm'], tag: '(0008,0018)' }),
    ]);
  });

  it('when files name two studies, then mixed-study', () => {
    const findings = checkStudyStructure([instance('0001.dcm', {}), instance('0002.dcm', { StudyInstanceUID: '1.2.4' })]);
    expect(findings.map((f) => f.code)).toEqual(['mixed-study']);
  });

  it('when files name two patients, then inconsistent-patient, without quoting the IDs', () => {
    const findings = checkStudyStructure([instance('0001.dcm', {}), instance('0002.dcm', { PatientID: 'P2' })]);
    expect(findings).toEqual([expect.objectContaining({ code: 'inconsistent-patient', files: ['0001.dcm', '0002.dcm'] })]);
    expect(findings[0]?.message).not.toMatch(/P1|P2/);
  });

  it('when one series mixes modalities, then inconsistent-modality; two series of two modalities are fine', () => {
    expect(checkStudyStructure([instance('0001.dcm', {}), instance('0002.dcm', { Modality: 'MR' })]).map((f) => f.code)).toEqual([
      'inconsistent-modality',
    ]);
    expect(checkStudyStructure([instance('0001.dcm', {}), instance('0002.dcm', { Modality: 'MR', SeriesInstanceUID: '1.2.3.2' })])).toEqual(
      [],
    );
  });

  it('when a file has no readable UIDs, then it is left out of the comparisons', () => {
    expect(checkStudyStructure([instance('0001.dcm', {}), { file: '0002.dcm', sizeBytes: 0, readable: false }])).toEqual([]);
  });
});

describe('checkStudyStructure on patient identity', () => {
  it.each([
    ['PatientName', 'DOE^JOHN', 'ROE^JANE'],
    ['PatientBirthDate', '19700101', '19710101'],
    ['PatientSex', 'M', 'F'],
  ] as const)('when two files differ in %s, then inconsistent-patient names the attribute, not the values', (keyword, a, b) => {
    const findings = checkStudyStructure([instance('0001.dcm', { [keyword]: a }), instance('0002.dcm', { [keyword]: b })]);
    expect(findings).toEqual([expect.objectContaining({ code: 'inconsistent-patient', keyword, files: ['0001.dcm', '0002.dcm'] })]);
    expect(findings[0]?.message).toContain(keyword);
    expect(findings[0]?.message).not.toContain(a);
    expect(findings[0]?.message).not.toContain(b);
  });

  it('when names differ only by trailing empty components or padding, then they are one name (PS3.5 §6.2)', () => {
    expect(
      checkStudyStructure([instance('0001.dcm', { PatientName: 'DOE^JOHN' }), instance('0002.dcm', { PatientName: 'DOE^JOHN^^ ' })]),
    ).toEqual([]);
  });

  it('when one file has no PatientSex, then that is its own missing-type2, not an inconsistency', () => {
    expect(checkStudyStructure([instance('0001.dcm', { PatientSex: 'F' }), instance('0002.dcm', {})])).toEqual([]);
  });
});

describe('checkStudyStructure on a series', () => {
  /** An axial slice at z, 2.5 mm apart by default, numbered from 1. */
  const slice = (n: number, z = n * 2.5, extra: Partial<InstanceSummary> = {}) =>
    instance(`${String(n).padStart(4, '0')}.dcm`, {
      SOPInstanceUID: `1.2.3.1.${n}`,
      InstanceNumber: n,
      FrameOfReferenceUID: '1.2.3.9',
      SeriesNumber: 3,
      ImagePositionPatient: [0, 0, z],
      ImageOrientationPatient: [1, 0, 0, 0, 1, 0],
      ...extra,
    });
  const series = (numbers: number[]) => numbers.map((n) => slice(n));

  it('when slices are whole, evenly spaced and numbered without gaps, then there is no finding', () => {
    expect(checkStudyStructure(series([1, 2, 3, 4, 5]))).toEqual([]);
  });

  it('when two files have one Instance Number, then a duplicate-instance-number warning lists them', () => {
    const findings = checkStudyStructure([slice(1), slice(2), { ...slice(3), InstanceNumber: 2 }]);
    expect(findings).toContainEqual(
      expect.objectContaining({
        code: 'duplicate-instance-number',
        severity: 'warning',
        files: ['0002.dcm', '0003.dcm'],
        tag: '(0020,0013)',
      }),
    );
    expect(findings.find((f) => f.code === 'duplicate-instance-number')?.message).toBe(
      'Series 3 (1.2.3.1): Instance Number 2 appears in more than one file',
    );
  });

  it('when a slice is missing, then instance-number-gap and uneven-slice-spacing (1 slice missing?) with the expected and seen spacing', () => {
    const findings = checkStudyStructure(series([1, 2, 3, 5, 6]));
    expect(findings.map((f) => `${f.severity} ${f.code}`)).toEqual(['warning instance-number-gap', 'warning uneven-slice-spacing']);
    expect(findings[0]?.message).toBe('Series 3 (1.2.3.1): Instance Numbers run from 1 to 6 without 4 (1 number): files may be missing');
    expect(findings[1]?.message).toBe(
      'Series 3 (1.2.3.1): 5 slices 2.5 mm apart along the slice normal, but 5 mm between 7.5 and 12.5 (1 slice missing?)',
    );
    expect(findings[1]?.files).toEqual(['0003.dcm', '0005.dcm']);
  });

  it('when one step is uneven but no multiple, then uneven-slice-spacing says so', () => {
    const findings = checkStudyStructure([slice(1), slice(2), slice(3, 8.5), slice(4), slice(5)]);
    expect(findings.map((f) => f.code)).toEqual(['uneven-slice-spacing']);
    expect(findings[0]?.message).toMatch(/but 3.5 mm between 5 and 8.5 \(uneven\); 1.5 mm between 8.5 and 10 \(uneven\)$/);
  });

  it('when the plane is tilted, then positions are measured along its normal, not along z', () => {
    // Rows along x, columns along (0, cos 30°, -sin 30°): a gantry tilt; slices step 2 mm along the normal.
    const c = Math.cos(Math.PI / 6);
    const s = Math.sin(Math.PI / 6);
    const normal = [0, s, c];
    const tilted = [1, 2, 3, 4].map((n) =>
      slice(n, 0, { ImageOrientationPatient: [1, 0, 0, 0, c, -s], ImagePositionPatient: normal.map((v) => v * 2 * n) }),
    );
    expect(checkStudyStructure(tilted)).toEqual([]);
  });

  it('when echoes share positions or a localizer lies in another plane, then they are not gaps', () => {
    const echoes = [1, 2, 3].flatMap((n) => [slice(n), { ...slice(n + 10, n * 2.5), SOPInstanceUID: `1.2.3.2.${n}` }]);
    const localizer = slice(20, 0, { ImageOrientationPatient: [0, 1, 0, 0, 0, -1], SOPInstanceUID: '1.2.3.3' });
    expect(checkStudyStructure([...echoes, localizer]).filter((f) => f.code === 'uneven-slice-spacing')).toEqual([]);
  });

  it('when a series names two Frames of Reference, then inconsistent-frame-of-reference is an error', () => {
    const findings = checkStudyStructure([slice(1), slice(2, undefined, { FrameOfReferenceUID: '1.2.3.10' })]);
    expect(findings).toEqual([
      expect.objectContaining({ code: 'inconsistent-frame-of-reference', severity: 'error', files: ['0001.dcm', '0002.dcm'] }),
    ]);
  });
});

describe.skipIf(!corpusAvailable)('checkStudyStructure on corpus studies', () => {
  const summaries = async (folder: string, files: string[]) =>
    Promise.all(files.map(async (file) => validateFile(await inspectCorpus(`studies/${folder}/${file}`), file, projectConfig()).instance));
  const all = ['CT_0001.dcm', 'CT_0002.dcm', 'CT_0003.dcm'];

  it.each([
    ['duplicate-sop-instance', 'duplicate-sop-instance'],
    ['mixed-study', 'mixed-study'],
    ['inconsistent-patient', 'inconsistent-patient'],
    ['series-modality-conflict', 'inconsistent-modality'],
  ])('when the study %s is checked, then %s is found', async (folder, code) => {
    expect(checkStudyStructure(await summaries(folder, all)).map((f) => f.code)).toContain(code);
  });

  it('when the 20-slice CT is checked without its tenth file, then the gap and the missing slice are found', async () => {
    const names = Array.from({ length: 20 }, (_, i) => `CT_${String(i + 1).padStart(4, '0')}.dcm`).filter((name) => name !== 'CT_0010.dcm');
    const instances = await Promise.all(
      names.map(
        async (file) => validateFile(await inspectCorpus(`valid/synthetic/ct-512-explicit-le/${file}`), file, projectConfig()).instance,
      ),
    );
    expect(checkStudyStructure(instances).map((f) => f.code)).toEqual(['instance-number-gap', 'uneven-slice-spacing']);
  });

  it('when the valid series is checked, then there is no finding', async () => {
    expect(checkStudyStructure(await summaries('valid-series', all))).toEqual([]);
  });
});
