import { describe, expect, it } from 'vitest';
import { checkRequiredAttributes } from '../../src/domain/check-required-attributes.ts';
import { corpusAvailable } from '../../../test/support/corpus.ts';
import { conformingAttributes, conformingImage, element, part10 } from '../support/fixtures.ts';
import { inspectBytes, inspectCorpus, projectConfig } from '../support/inspect.ts';

const required = projectConfig().requiredAttributes;
const reasons = (findings: { code: string; tag?: string }[]) => findings.map((f) => `${f.code} ${f.tag}`);

describe.skipIf(!corpusAvailable)('checkRequiredAttributes on corpus files', () => {
  it.each([
    ['missing-type1-SOPClassUID.dcm', 'missing-type1 (0008,0016)'],
    ['missing-type1-SOPInstanceUID.dcm', 'missing-type1 (0008,0018)'],
    ['missing-type1-StudyInstanceUID.dcm', 'missing-type1 (0020,000D)'],
    ['missing-type1-SeriesInstanceUID.dcm', 'missing-type1 (0020,000E)'],
    ['missing-type1-Modality.dcm', 'missing-type1 (0008,0060)'],
    ['missing-type1-PixelData.dcm', 'missing-type1 (7FE0,0010)'],
    ['missing-type2-PatientID.dcm', 'missing-type2 (0010,0020)'],
    ['missing-type2-StudyDate.dcm', 'missing-type2 (0008,0020)'],
    ['empty-type1-StudyInstanceUID.dcm', 'empty-type1 (0020,000D)'],
    ['empty-type1-Modality.dcm', 'empty-type1 (0008,0060)'],
  ])('when invalid/single/%s is checked, then exactly %s is found', async (file, expected) => {
    expect(reasons(checkRequiredAttributes(await inspectCorpus(`invalid/single/${file}`), required))).toEqual([expected]);
  });

  it.each([
    'valid/samples/CT_small.dcm',
    'valid/samples/test-SR.dcm',
    'valid/samples/MR_small_implicit.dcm',
    'valid/studies/pcir-ct-head/17106.dcm',
  ])('when %s is checked, then nothing is missing', async (file) => {
    expect(checkRequiredAttributes(await inspectCorpus(file), required)).toEqual([]);
  });
});

describe('checkRequiredAttributes on hand-built data sets', () => {
  it('when a Type 2 attribute is present but empty, then that is allowed (PS3.5 §7.4.3)', () => {
    // conformingAttributes() has an empty AccessionNumber, ReferringPhysicianName and PatientBirthDate.
    expect(checkRequiredAttributes(inspectBytes(part10(conformingImage())), required)).toEqual([]);
  });

  it('when a Type 1 value is only padding, then empty-type1', () => {
    const attributes = conformingImage({ '00080060': element('00080060', 'CS', '  ') });
    expect(reasons(checkRequiredAttributes(inspectBytes(part10(attributes)), required))).toEqual(['empty-type1 (0008,0060)']);
  });

  it('when the configuration names other keywords, then those are the ones required', () => {
    const findings = checkRequiredAttributes(inspectBytes(part10(conformingImage())), {
      type1: ['InstanceNumber'],
      type2: ['BodyPartExamined'],
      strict: false,
    });
    expect(reasons(findings)).toEqual(['missing-type1 (0020,0013)', 'missing-type2 (0018,0015)']);
  });

  it('when an image SOP Class has no Pixel Data and no Rows or Columns either, then Pixel Data is missing (Image Pixel Module is mandatory)', () => {
    // A Secondary Capture instance cut cleanly before its Image Pixel Module: still no image an archive can use.
    expect(reasons(checkRequiredAttributes(inspectBytes(part10(conformingAttributes())), required))).toEqual(['missing-type1 (7FE0,0010)']);
  });

  it('when the SOP Class is no image (Basic Text SR), then no Pixel Data is needed', () => {
    const sr = conformingAttributes({ '00080016': element('00080016', 'UI', '1.2.840.10008.5.1.4.1.1.88.11') });
    expect(checkRequiredAttributes(inspectBytes(part10(sr, { sopClassUid: '1.2.840.10008.5.1.4.1.1.88.11' })), required)).toEqual([]);
  });
});
