import { describe, expect, it } from 'vitest';
import { checkValues } from '../../src/domain/check-values.ts';
import { corpusAvailable } from '../../../test/support/corpus.ts';
import { validateFile } from '../../src/domain/validate-file.ts';
import { conformingAttributes, element, item, part10, secondaryCaptureImage } from '../support/fixtures.ts';
import { inspectBytes, inspectCorpus, projectConfig } from '../support/inspect.ts';

/** A sequence of defined length holding one item per body (PS3.5 §7.5). */
const sequence = (tag: string, ...items: Buffer[][]) =>
  element(tag, 'SQ', Buffer.concat(items.map((body) => item(0xe000, Buffer.concat(body)))));
const withExtra = (...extra: Buffer[]) => inspectBytes(part10([...conformingAttributes(), ...extra]));

describe.skipIf(!corpusAvailable)('checkValues on corpus files', () => {
  it.each([
    ['bad-vr-StudyDate.dcm', '(0008,0020)', /da-format/],
    ['bad-vr-SeriesUID-letters.dcm', '(0020,000E)', /ui-bad-character/],
    ['bad-vr-StudyUID-too-long.dcm', '(0020,000D)', /ui-too-long/],
  ])('when invalid/single/%s is checked, then bad-vr %s names the rule', async (file, tag, rule) => {
    const findings = checkValues(await inspectCorpus(`invalid/single/${file}`));
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.every((f) => f.code === 'bad-vr' && f.tag === tag)).toBe(true);
    expect(findings.some((f) => rule.test(f.message))).toBe(true);
  });

  it('when a UID is "../../etc", then bad-vr and path-traversal, both on (0020,000D)', async () => {
    const findings = checkValues(await inspectCorpus('invalid/single/path-traversal-StudyUID.dcm'));
    expect(findings.map((f) => `${f.code} ${f.tag}`).sort()).toEqual(['bad-vr (0020,000D)', 'path-traversal (0020,000D)']);
  });

  it('when a nested UID has a leading zero, then the finding gives its path', async () => {
    const findings = checkValues(await inspectCorpus('invalid/samples/rtdose.dcm'));
    expect(findings).toEqual([
      expect.objectContaining({
        code: 'bad-vr',
        tag: '(0008,1155)',
        keyword: 'ReferencedSOPInstanceUID',
        path: 'ReferencedRTPlanSequence[0].ReferencedSOPInstanceUID',
      }),
    ]);
  });

  it.each([
    'valid/samples/CT_small.dcm',
    'valid/samples/MR_small_bigendian.dcm',
    'valid/samples/test-SR.dcm',
    'valid/samples/chrFren.dcm',
    'valid/samples/chrX1.dcm',
    'valid/samples/liver_1frame.dcm',
    'valid/samples/dicom3tools_0051.dcm',
  ])('when the valid %s is checked, then no value breaks its VR or VM', async (file) => {
    expect(checkValues(await inspectCorpus(file))).toEqual([]);
  });
});

describe('checkValues on hand-built data sets', () => {
  it('when a value deep in a sequence is bad, then the path walks down to it', () => {
    const inspection = withExtra(sequence('00081115', [element('0020000E', 'UI', '1.2.x')])); // ReferencedSeriesSequence
    expect(checkValues(inspection)).toEqual([
      expect.objectContaining({
        code: 'bad-vr',
        tag: '(0020,000E)',
        path: 'ReferencedSeriesSequence[0].SeriesInstanceUID',
      }),
    ]);
  });

  it('when the same bad value repeats in many items, then it is one finding with a count', () => {
    const bad = [element('0020000E', 'UI', '1.2.x')];
    const findings = checkValues(withExtra(sequence('00081115', bad, bad, bad)));
    expect(findings).toHaveLength(1);
    expect(findings[0]?.message).toMatch(/and 2 more/);
  });

  it('when a private element holds anything, then it is not judged', () => {
    expect(checkValues(withExtra(element('00090010', 'LO', 'ACME'), element('00091001', 'DA', 'not a date')))).toEqual([]);
  });

  it('when an element holds more values than its VM allows, then bad-vm', () => {
    // ImagePositionPatient is DS with VM 3 (PS3.6).
    const findings = checkValues(withExtra(element('00200032', 'DS', '1\\2')));
    expect(findings).toEqual([expect.objectContaining({ code: 'bad-vm', tag: '(0020,0032)', keyword: 'ImagePositionPatient' })]);
    expect(findings[0]?.message).toMatch(/VM is 3/);
  });

  it('when a binary value has a length that is not a whole number of values, then bad-vr', () => {
    const findings = checkValues(withExtra(element('00280010', 'US', Buffer.alloc(3)))); // Rows, 3 bytes
    expect(findings.map((f) => f.code)).toContain('bad-vr');
  });

  it('when a single-valued UID holds a backslash, then path-traversal', () => {
    const findings = checkValues(withExtra(element('00200052', 'UI', '1.2\\3'))); // FrameOfReferenceUID
    expect(findings.map((f) => f.code)).toContain('path-traversal');
  });
});

describe('checkValues: trailing NUL padding of text values', () => {
  it('when PatientName ends in NUL bytes, then a nul-padding warning, no bad-vr; configurable to an error', () => {
    const bytes = secondaryCaptureImage({ '00100010': element('00100010', 'PN', 'DOE^JOHN\0\0') }); // PatientName, two NULs
    const config = projectConfig();
    const verdict = validateFile(inspectBytes(bytes), '0001.dcm', config);
    expect(verdict.errors).toEqual([]);
    expect(verdict.warnings).toEqual([expect.objectContaining({ code: 'nul-padding', severity: 'warning', tag: '(0010,0010)' })]);
    const strict = validateFile(inspectBytes(bytes), '0001.dcm', { ...config, severity: { 'nul-padding': 'error' } });
    expect(strict.errors.map((f) => f.code)).toEqual(['nul-padding']);
  });

  it('when a value is nothing but NUL bytes, then removing them would change what it says: bad-vr, an error', () => {
    const findings = checkValues(withExtra(element('00081030', 'LO', '\0\0'))); // StudyDescription of two NULs
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.every((f) => f.code === 'bad-vr' && f.severity === 'error' && f.tag === '(0008,1030)')).toBe(true);
  });
});
