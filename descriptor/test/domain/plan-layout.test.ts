import { describe, expect, it } from 'vitest';
import { AppError } from '@dsv/common';
import { planLayout } from '../../src/domain/plan-layout.ts';

describe('planLayout', () => {
  it('when a valid study has one file, then it is original.dcm', () => {
    expect(planLayout('stored', [{ file: '0001.dcm', SOPInstanceUID: '1.2.3' }])).toEqual([{ file: '0001.dcm', path: 'original.dcm' }]);
  });

  it('when a valid study has several files, then each is originals/<SOPInstanceUID>.dcm', () => {
    expect(planLayout('stored', [{ file: '0001.dcm', SOPInstanceUID: '1.2.3' }, { file: '0002.dcm', SOPInstanceUID: '1.2.4' }])).toEqual([
      { file: '0001.dcm', path: 'originals/1.2.3.dcm' },
      { file: '0002.dcm', path: 'originals/1.2.4.dcm' },
    ]);
  });

  it.each([['../../etc/passwd'], ['1.2.03'], ['1.2.3/4'], ['1'.repeat(65)], [null]])(
    'when a file of a valid study has the UID %j, then the request is refused before the UID becomes a path',
    (uid) => {
      const plan = () => planLayout('stored', [{ file: '0001.dcm', SOPInstanceUID: '1.2.3' }, { file: '0002.dcm', SOPInstanceUID: uid }]);
      expect(plan).toThrow(AppError);
      expect(plan).toThrow(expect.objectContaining({ code: 'REQUEST_INVALID' }));
    },
  );

  it('when two files of a valid study share a UID, then the request is refused', () => {
    const plan = () => planLayout('stored', [{ file: '0001.dcm', SOPInstanceUID: '1.2.3' }, { file: '0002.dcm', SOPInstanceUID: '1.2.3' }]);
    expect(plan).toThrow(expect.objectContaining({ code: 'REQUEST_INVALID', details: { file: '0002.dcm', SOPInstanceUID: '1.2.3' } }));
  });

  it('when the upload is rejected, then files keep their stored names, whatever their UIDs', () => {
    expect(planLayout('rejected', [{ file: '0001.dcm', SOPInstanceUID: '../x' }, { file: '0002.dcm', SOPInstanceUID: '../x' }])).toEqual([
      { file: '0001.dcm', path: 'files/0001.dcm' },
      { file: '0002.dcm', path: 'files/0002.dcm' },
    ]);
  });
});
