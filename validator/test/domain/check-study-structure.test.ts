import type { InstanceSummary } from '@dsv/common';
import { describe, expect, it } from 'vitest';
import { checkStudyStructure } from '../../src/domain/check-study-structure.ts';
import { validateFile } from '../../src/domain/validate-file.ts';
import { corpusAvailable } from '../../../test/support/corpus.ts';
import { inspectCorpus, projectConfig } from '../support/inspect.ts';

const instance = (file: string, attributes: Partial<InstanceSummary>): InstanceSummary => ({
  file, sizeBytes: 1, readable: true, StudyInstanceUID: '1.2.3', SeriesInstanceUID: '1.2.3.1', PatientID: 'P1', Modality: 'CT', ...attributes,
});

describe('checkStudyStructure', () => {
  it('when every file belongs to one study, patient and series modality, then there is no finding', () => {
    expect(checkStudyStructure([instance('0001.dcm', { SOPInstanceUID: '1' }), instance('0002.dcm', { SOPInstanceUID: '2' })])).toEqual([]);
  });

  it('when two files share a SOP Instance UID, then duplicate-sop-instance names both', () => {
    const findings = checkStudyStructure([instance('0001.dcm', { SOPInstanceUID: '9' }), instance('0002.dcm', { SOPInstanceUID: '9' })]);
    expect(findings).toEqual([expect.objectContaining({ code: 'duplicate-sop-instance', files: ['0001.dcm', '0002.dcm'], tag: '(0008,0018)' })]);
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
    expect(checkStudyStructure([instance('0001.dcm', {}), instance('0002.dcm', { Modality: 'MR' })]).map((f) => f.code)).toEqual(['inconsistent-modality']);
    expect(checkStudyStructure([instance('0001.dcm', {}), instance('0002.dcm', { Modality: 'MR', SeriesInstanceUID: '1.2.3.2' })])).toEqual([]);
  });

  it('when a file has no readable UIDs, then it is left out of the comparisons', () => {
    expect(checkStudyStructure([instance('0001.dcm', {}), { file: '0002.dcm', sizeBytes: 0, readable: false }])).toEqual([]);
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

  it('when the valid series is checked, then there is no finding', async () => {
    expect(checkStudyStructure(await summaries('valid-series', all))).toEqual([]);
  });
});
