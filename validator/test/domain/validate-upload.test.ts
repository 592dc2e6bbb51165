import { createReadStream } from 'node:fs';
import { inspectStream } from '@dsv/common';
import { describe, expect, it } from 'vitest';
import { inspectOptions } from '../../src/config.ts';
import { validateFile } from '../../src/domain/validate-file.ts';
import { validateUpload } from '../../src/domain/validate-upload.ts';
import { corpusAvailable, entryFiles, loadManifest, splitReason } from '../../../test/support/corpus.ts';
import { conformingAttributes, conformingImage, element, part10, secondaryCaptureImage, us } from '../support/fixtures.ts';
import { inspectBytes, projectConfig } from '../support/inspect.ts';

const config = projectConfig();
const formatTag = (tag: string) => `(${tag.slice(0, 4)},${tag.slice(4)})`;

async function validateEntry(files: string[]) {
  const results = [];
  for (const file of files) {
    const inspection = await inspectStream(createReadStream(file), inspectOptions(config));
    results.push(validateFile(inspection, file.slice(file.lastIndexOf('/') + 1), config));
  }
  return validateUpload(results, config.severity);
}

describe.skipIf(!corpusAvailable)('validateUpload on every manifest entry', () => {
  const manifest = loadManifest();

  describe.each(manifest.filter((entry) => entry.expected === 'valid'))('when the valid upload $path is validated', (entry) => {
    it('then there is no error finding and no outcome', async () => {
      const verdict = await validateEntry(entryFiles(entry));
      expect(verdict.errors, JSON.stringify(verdict.errors, null, 1)).toEqual([]);
      expect(verdict).toMatchObject({ valid: true, outcome: null });
      expect(verdict.instances).toHaveLength(entryFiles(entry).length);
    });
  });

  describe.each(manifest.filter((entry) => entry.expected === 'invalid'))('when the invalid upload $path is validated', (entry) => {
    it(`then every expected reason is among the errors: ${entry.expected_reasons.join(', ')}`, async () => {
      const verdict = await validateEntry(entryFiles(entry));
      expect(verdict.valid).toBe(false);
      expect(verdict.outcome).not.toBeNull();
      const found = verdict.errors.map((f) => `${f.code} ${f.tag ?? ''}`);
      for (const reason of entry.expected_reasons) {
        const { code, tag } = splitReason(reason);
        const match = verdict.errors.some((f) => f.code === code && (tag === undefined || f.tag === formatTag(tag)));
        expect(match, `${reason} among ${found.join('; ')}`).toBe(true);
      }
    });
  });
});

describe('validateUpload outcomes', () => {
  const valid = () => validateFile(inspectBytes(secondaryCaptureImage()), '0001.dcm', config);

  it('when a deflated data set inflates past maxInflatedBytes, then deflate-bomb and the outcome DEFLATE_BOMB', () => {
    const small = { ...config, limits: { ...config.limits, maxInflatedBytes: 64 * 1024 } };
    // 4 MiB of zeros in an OB element deflate to a few kB (PS3.5 §A.5: the data set after the meta is deflated).
    const bomb = part10([...conformingAttributes(), element('00091010', 'OB', Buffer.alloc(4 * 1024 * 1024))], {
      transferSyntax: '1.2.840.10008.1.2.1.99',
      deflate: true,
    });
    expect(bomb.length).toBeLessThan(16 * 1024);
    const verdict = validateUpload([validateFile(inspectBytes(bomb, small), '0001.dcm', small)], small.severity);
    expect(verdict.errors.map((f) => f.code)).toEqual(['deflate-bomb']);
    expect(verdict.outcome).toEqual({ code: 'DEFLATE_BOMB', httpStatus: 400 });
  });

  it('when the same deflated data set stays under the limit, then it is valid', () => {
    const deflated = part10(conformingImage(), { transferSyntax: '1.2.840.10008.1.2.1.99', deflate: true });
    expect(validateUpload([validateFile(inspectBytes(deflated), '0001.dcm', config)], config.severity)).toMatchObject({ valid: true });
  });

  it('when the header before Pixel Data outgrows maxHeaderBytes, then header-too-large and CORRUPT_DICOM', () => {
    const small = { ...config, limits: { ...config.limits, maxHeaderBytes: 100 * 1024 } };
    const bytes = part10([...conformingAttributes(), element('00091010', 'OB', Buffer.alloc(300 * 1024))]);
    const verdict = validateUpload([validateFile(inspectBytes(bytes, small), '0001.dcm', small)], small.severity);
    expect(verdict.errors.map((f) => f.code)).toEqual(['header-too-large']);
    expect(verdict.outcome).toEqual({ code: 'CORRUPT_DICOM', httpStatus: 400 });
  });

  it('when a deflated data set is not a deflate stream, then inflate-failed and CORRUPT_DICOM', () => {
    const garbage = Buffer.concat([part10([], { transferSyntax: '1.2.840.10008.1.2.1.99' }), Buffer.alloc(64, 0xff)]);
    const verdict = validateUpload([validateFile(inspectBytes(garbage), '0001.dcm', config)], config.severity);
    expect(verdict.errors.map((f) => f.code)).toEqual(['inflate-failed']);
    expect(verdict.outcome).toEqual({ code: 'CORRUPT_DICOM', httpStatus: 400 });
  });

  it('when one file is not DICOM and another misses an attribute, then the more basic NOT_DICOM wins', () => {
    const other = { '00080018': element('00080018', 'UI', '1.2.3.5'), '0020000D': null }; // another instance, no StudyInstanceUID
    const missing = validateFile(inspectBytes(part10(conformingImage(other), { sopInstanceUid: '1.2.3.5' })), '0002.dcm', config);
    const notDicom = validateFile(inspectBytes(Buffer.from('hello')), '0003.dcm', config);
    const verdict = validateUpload([valid(), missing, notDicom], config.severity);
    expect(verdict.outcome).toEqual({ code: 'NOT_DICOM', httpStatus: 400 });
    expect(verdict.errors.map((f) => f.file)).toEqual(['0002.dcm', '0003.dcm']);
  });

  it('when two copies of one file are uploaded, then the study finding lists both and the outcome is STUDY_INVALID', () => {
    const verdict = validateUpload([valid(), { ...valid(), instance: { ...valid().instance, file: '0002.dcm' } }], config.severity);
    expect(verdict.errors).toEqual([expect.objectContaining({ code: 'duplicate-sop-instance', files: ['0001.dcm', '0002.dcm'] })]);
    expect(verdict.outcome).toEqual({ code: 'STUDY_INVALID', httpStatus: 422 });
  });

  it('when a study-level code is overridden to a warning, then the upload is valid', () => {
    const verdict = validateUpload([valid(), { ...valid(), instance: { ...valid().instance, file: '0002.dcm' } }], {
      'duplicate-sop-instance': 'warning',
    });
    expect(verdict).toMatchObject({ valid: true, outcome: null, errors: [] });
    // Two copies also share their Instance Number: a warning of its own.
    expect(verdict.warnings.map((f) => f.code)).toEqual(['duplicate-sop-instance', 'duplicate-instance-number']);
  });
});

describe('validateUpload: each refusal says what is wrong (PS3.10 §7.1, §8)', () => {
  const config = projectConfig();
  const outcomeOf = (bytes: Buffer) => validateUpload([validateFile(inspectBytes(bytes), '0001.dcm', config)], config.severity);

  it('when a readable data set comes without preamble and DICM, then NOT_PART10, not NOT_DICOM', () => {
    const raw = part10(conformingImage()).subarray(132); // the file meta and data set, without the 128-byte preamble and 'DICM'
    const verdict = outcomeOf(raw);
    expect(verdict.errors.map((f) => f.code)).toContain('no-preamble');
    expect(verdict.outcome).toEqual({ code: 'NOT_PART10', httpStatus: 400 });
  });

  it('when the file meta names another SOP Instance than the data set, then FILE_META_INVALID, not CORRUPT_DICOM', () => {
    const verdict = outcomeOf(part10(conformingImage(), { sopInstanceUid: '1.2.3.999' }));
    expect(verdict.errors.map((f) => f.code)).toEqual(['meta-sop-instance-mismatch']);
    expect(verdict.outcome).toEqual({ code: 'FILE_META_INVALID', httpStatus: 400 });
  });

  it('when a DICOMDIR is sent, then media-storage-directory alone and MEDIA_STORAGE_DIRECTORY, no finding of an IOD it does not claim', () => {
    const dicomdir = part10(
      [
        element('00041130', 'CS', 'FILESET'), // FileSetID
        element('00041200', 'UL', Buffer.from([0, 0, 0, 0])), // OffsetOfTheFirstDirectoryRecordOfTheRootDirectoryEntity
        element('00041202', 'UL', Buffer.from([0, 0, 0, 0])), // OffsetOfTheLastDirectoryRecordOfTheRootDirectoryEntity
        element('00041212', 'US', us(0)), // FileSetConsistencyFlag
        element('00041220', 'SQ', Buffer.alloc(0)), // DirectoryRecordSequence, empty
      ],
      { sopClassUid: '1.2.840.10008.1.3.10', sopInstanceUid: '1.2.3.77', implementationClassUid: '2.25.1234567' },
    );
    const verdict = outcomeOf(dicomdir);
    expect([...verdict.errors, ...verdict.warnings].map((f) => f.code)).toEqual(['media-storage-directory']);
    expect(verdict.outcome).toEqual({ code: 'MEDIA_STORAGE_DIRECTORY', httpStatus: 400 });
  });
});
