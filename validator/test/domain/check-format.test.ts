import { describe, expect, it } from 'vitest';
import { checkFormat } from '../../src/domain/check-format.ts';
import { corpusAvailable } from '../../../test/support/corpus.ts';
import { conformingAttributes, element, part10 } from '../support/fixtures.ts';
import { inspectBytes, inspectCorpus } from '../support/inspect.ts';

const codes = (findings: { code: string }[]) => findings.map((f) => f.code).sort();

describe.skipIf(!corpusAvailable)('checkFormat on corpus files', () => {
  it.each([
    ['invalid/single/zero-byte.dcm', ['empty-file', 'not-dicom']],
    ['invalid/single/png-named-dcm.dcm', ['not-dicom']],
    ['invalid/single/text-named-dcm.dcm', ['not-dicom']],
    ['invalid/single/no-preamble.dcm', ['no-dicm-magic', 'no-preamble']],
    ['invalid/single/bad-magic.dcm', ['no-dicm-magic']],
    ['invalid/single/no-file-meta.dcm', ['no-dicm-magic', 'no-file-meta', 'no-preamble']],
    ['invalid/samples/no_meta.dcm', ['no-dicm-magic', 'no-file-meta', 'no-preamble']],
    ['invalid/single/meta-missing-transfer-syntax.dcm', ['meta-missing-transfer-syntax']],
    ['invalid/samples/meta_missing_tsyntax.dcm', ['meta-missing-transfer-syntax']],
    ['invalid/single/meta-sop-instance-mismatch.dcm', ['meta-sop-instance-mismatch']],
    ['invalid/samples/rtdose.dcm', ['meta-sop-instance-mismatch']],
  ])('when %s is checked, then the format findings are %j', async (file, expected) => {
    expect(codes(checkFormat(await inspectCorpus(file)))).toEqual(expected);
  });

  it.each(['valid/samples/CT_small.dcm', 'valid/samples/image_dfl.dcm', 'valid/samples/MR_small_bigendian.dcm'])(
    'when the well-formed %s is checked, then there is no format finding',
    async (file) => {
      expect(checkFormat(await inspectCorpus(file))).toEqual([]);
    },
  );

  it('when the meta and data set SOP Instance UIDs differ, then the finding names both and the tag (0008,0018)', async () => {
    const [finding] = checkFormat(await inspectCorpus('invalid/samples/rtdose.dcm'));
    expect(finding).toMatchObject({ severity: 'error', tag: '(0008,0018)', keyword: 'SOPInstanceUID' });
    expect(finding?.message).toContain('1.2.999.999.99.9.9999.9999.20030818153516');
    expect(finding?.message).toContain('1.9.999.999.99.9.9999.9999.20030818153516');
  });
});

describe('checkFormat on hand-built files', () => {
  it('when the meta SOP Class UID differs from the data set, then meta-sop-class-mismatch', () => {
    // part10() writes MediaStorageSOPClassUID 1.2.840.10008.5.1.4.1.1.7 (Secondary Capture).
    const bytes = part10(conformingAttributes({ '00080016': element('00080016', 'UI', '1.2.840.10008.5.1.4.1.1.2') }));
    expect(codes(checkFormat(inspectBytes(bytes)))).toEqual(['meta-sop-class-mismatch']);
  });

  it('when the transfer syntax is unknown, then a warning says how the data set was read', () => {
    const findings = checkFormat(inspectBytes(part10(conformingAttributes(), { transferSyntax: '1.2.3.4.5.6' })));
    expect(findings).toEqual([expect.objectContaining({ code: 'unknown-transfer-syntax', severity: 'warning', tag: '(0002,0010)' })]);
  });

  it('when everything agrees, then there is no finding', () => {
    expect(checkFormat(inspectBytes(part10(conformingAttributes())))).toEqual([]);
  });
});
