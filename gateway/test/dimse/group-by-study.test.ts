import { describe, expect, it } from 'vitest';
import type { DicomFile } from '../../src/dimse/send/find-dicom-files.ts';
import { groupByStudy, neededContexts } from '../../src/dimse/send/group-by-study.ts';

const CT = '1.2.840.10008.5.1.4.1.1.2';
const MR = '1.2.840.10008.5.1.4.1.1.4';
const file = (name: string, study: string, sopClass = CT, ts = '1.2.840.10008.1.2.1'): DicomFile => ({
  path: `/in/${name}`,
  StudyInstanceUID: study,
  SOPClassUID: sopClass,
  SOPInstanceUID: `1.9.${name}`,
  TransferSyntaxUID: ts,
});

describe('groupByStudy', () => {
  it('when files of two studies are interleaved, then each study keeps its files in found order, studies in first-seen order', () => {
    const batches = groupByStudy([file('a', '1.1'), file('b', '1.2'), file('c', '1.1'), file('d', '1.2'), file('e', '1.1')]);
    expect(batches.map((b) => [b.StudyInstanceUID, b.files.map((f) => f.path)])).toEqual([
      ['1.1', ['/in/a', '/in/c', '/in/e']],
      ['1.2', ['/in/b', '/in/d']],
    ]);
  });

  it('when there is no file, then there is no study', () => {
    expect(groupByStudy([])).toEqual([]);
  });
});

describe('neededContexts', () => {
  it('when a study mixes SOP classes and transfer syntaxes, then one context per SOP class lists each syntax once', () => {
    const contexts = neededContexts([
      file('a', '1', CT),
      file('b', '1', CT, '1.2.840.10008.1.2.4.90'),
      file('c', '1', MR),
      file('d', '1', CT),
    ]);
    expect(contexts).toEqual([
      { sopClassUid: CT, transferSyntaxUids: ['1.2.840.10008.1.2.1', '1.2.840.10008.1.2.4.90'] },
      { sopClassUid: MR, transferSyntaxUids: ['1.2.840.10008.1.2.1'] },
    ]);
  });
});
