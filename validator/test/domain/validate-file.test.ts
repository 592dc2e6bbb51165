import { InstanceSummarySchema } from '@dsv/common';
import { describe, expect, it } from 'vitest';
import { validateFile } from '../../src/domain/validate-file.ts';
import { corpusAvailable } from '../../../test/support/corpus.ts';
import { conformingImage, element, part10, secondaryCaptureImage } from '../support/fixtures.ts';
import { inspectBytes, inspectCorpus, projectConfig } from '../support/inspect.ts';

const config = projectConfig();
const codes = (findings: { code: string }[]) => findings.map((f) => f.code).sort();

describe.skipIf(!corpusAvailable)('validateFile on corpus files', () => {
  it('when the file is not DICOM, then only format findings come back, and the summary says unreadable', async () => {
    const result = validateFile(await inspectCorpus('invalid/single/png-named-dcm.dcm'), '0001.dcm', config);
    expect(codes(result.errors)).toEqual(['not-dicom']);
    expect(result.instance).toEqual({ file: '0001.dcm', sizeBytes: expect.any(Number), readable: false });
  });

  it('when the header is cut short, then truncated alone: the lost attributes are not reported missing', async () => {
    const result = validateFile(await inspectCorpus('invalid/single/truncated-header.dcm'), '0001.dcm', config);
    expect(codes(result.errors)).toEqual(['truncated']);
    expect(result.instance.readable).toBe(false);
  });

  it('when the file is cut inside Pixel Data, then the whole header is still checked', async () => {
    const result = validateFile(await inspectCorpus('invalid/single/truncated-pixel-data.dcm'), '0001.dcm', config);
    expect(codes(result.errors)).toEqual(['pixel-length-mismatch', 'truncated']);
    expect(result.instance.readable).toBe(true);
  });

  it('when the file is valid, then the summary carries its keys by keyword and every finding names the file', async () => {
    const result = validateFile(await inspectCorpus('valid/samples/CT_small.dcm'), '0007.dcm', config);
    expect(result.errors).toEqual([]);
    expect(InstanceSummarySchema.parse(result.instance)).toMatchObject({
      file: '0007.dcm',
      readable: true,
      Modality: 'CT',
      SOPInstanceUID: '1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322',
      TransferSyntaxUID: '1.2.840.10008.1.2.1',
      SeriesNumber: 1,
      InstanceNumber: 1,
    });
    expect(result.instance.ImageOrientationPatient).toEqual([1, 0, 0, 0, 1, 0]);
  });
});

describe('validateFile with severity overrides', () => {
  const bytes = secondaryCaptureImage({ '00100020': null }); // no PatientID

  it('when nothing is overridden, then a missing Type 2 attribute is an error', () => {
    const result = validateFile(inspectBytes(bytes), '0001.dcm', config);
    expect(result.errors).toEqual([expect.objectContaining({ code: 'missing-type2', file: '0001.dcm', tag: '(0010,0020)' })]);
  });

  it('when the config makes missing-type2 a warning, then it moves to the warnings', () => {
    const result = validateFile(inspectBytes(bytes), '0001.dcm', { ...config, severity: { 'missing-type2': 'warning' } });
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([expect.objectContaining({ code: 'missing-type2', severity: 'warning' })]);
  });

  it('when the config makes a warning an error, then it moves to the errors', () => {
    const unknownModality = part10(conformingImage({ '00080060': element('00080060', 'CS', 'XYZ') }));
    const result = validateFile(inspectBytes(unknownModality), '0001.dcm', { ...config, severity: { 'unknown-defined-term': 'error' } });
    expect(result.errors).toEqual([expect.objectContaining({ code: 'unknown-defined-term', severity: 'error' })]);
  });
});
