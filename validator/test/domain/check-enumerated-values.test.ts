import { describe, expect, it } from 'vitest';
import { checkEnumeratedValues } from '../../src/domain/check-enumerated-values.ts';
import { corpusAvailable } from '../../../test/support/corpus.ts';
import { validateFile } from '../../src/domain/validate-file.ts';
import { conformingAttributes, element, part10, secondaryCaptureImage } from '../support/fixtures.ts';
import { inspectBytes, inspectCorpus, projectConfig } from '../support/inspect.ts';

const replacing = (tag: string, vr: string, value: string) =>
  inspectBytes(part10(conformingAttributes({ [tag]: element(tag, vr, value) })));

describe.skipIf(!corpusAvailable)('checkEnumeratedValues on corpus files', () => {
  it("when PatientSex is 'X', then an error coded bad-vr on (0010,0040), as the corpus names it", async () => {
    const findings = checkEnumeratedValues(await inspectCorpus('invalid/single/bad-vr-PatientSex.dcm'));
    expect(findings).toEqual([expect.objectContaining({ code: 'bad-vr', severity: 'error', tag: '(0010,0040)', keyword: 'PatientSex' })]);
    expect(findings[0]?.message).toMatch(/C\.7\.1\.1/);
  });

  it.each([
    'valid/samples/CT_small.dcm',
    'valid/samples/SC_rgb_rle.dcm',
    'valid/synthetic/cr-1024/CR_0001.dcm',
    'valid/samples/liver_1frame.dcm',
  ])('when %s is checked, then its values are in the tables', async (file) => {
    expect(checkEnumeratedValues(await inspectCorpus(file))).toEqual([]);
  });
});

describe('checkEnumeratedValues on hand-built data sets', () => {
  it('when PatientSex is empty (Type 2), then it is not a value to judge', () => {
    expect(checkEnumeratedValues(replacing('00100040', 'CS', ''))).toEqual([]);
  });

  it('when Modality or PhotometricInterpretation is outside its Defined Terms, then the IOD tables warn (unknown-defined-term), not this check', () => {
    expect(checkEnumeratedValues(replacing('00080060', 'CS', 'XYZ'))).toEqual([]);
    const config = projectConfig();
    const verdict = validateFile(inspectBytes(secondaryCaptureImage({ '00080060': element('00080060', 'CS', 'XYZ') })), '0001.dcm', config);
    expect(verdict.errors).toEqual([]);
    expect(verdict.warnings).toEqual([expect.objectContaining({ code: 'unknown-defined-term', tag: '(0008,0060)' })]);
  });
});
