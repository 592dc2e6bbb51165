import { describe, expect, it } from 'vitest';
import { InstanceIndex } from '../../src/domain/instance-index.ts';
import type { StudyStatus } from '../../src/domain/study-status.ts';

const EXPLICIT = '1.2.840.10008.1.2.1';
const IMPLICIT = '1.2.840.10008.1.2';
const f = (SOPInstanceUID: string, sha256: string, TransferSyntaxUID = EXPLICIT, file = '0001.dcm') => ({ file, sha256, SOPInstanceUID, TransferSyntaxUID });

describe('InstanceIndex', () => {
  it('when another study holds a UID with other bytes in the same transfer syntax, then it is a "changed" conflict and nothing is claimed', () => {
    const index = new InstanceIndex();
    expect(index.checkAndClaim('A', [f('1.1', 'h1'), f('1.2', 'h2', EXPLICIT, '0002.dcm')])).toEqual([]);
    expect(index.checkAndClaim('B', [f('1.2', 'other', EXPLICIT, '0001.dcm'), f('1.3', 'h3', EXPLICIT, '0002.dcm')])).toEqual([
      { file: '0001.dcm', SOPInstanceUID: '1.2', heldBy: 'A', kind: 'changed' },
    ]);
    expect(index.holderOf('1.3')).toBeUndefined();
  });

  it('when the other bytes are in another transfer syntax, then it is "reencoded" (a warning) and the new instances are claimed', () => {
    const index = new InstanceIndex();
    index.checkAndClaim('A', [f('1.1', 'h1')]);
    expect(index.checkAndClaim('B', [f('1.1', 'h1-implicit', IMPLICIT), f('1.9', 'h9', EXPLICIT, '0002.dcm')])).toEqual([
      { file: '0001.dcm', SOPInstanceUID: '1.1', heldBy: 'A', kind: 'reencoded' },
    ]);
    expect([index.holderOf('1.1'), index.holderOf('1.9')]).toEqual(['A', 'B']);
  });

  it('when the same bytes come again, or the same study runs again, then there is no conflict', () => {
    const index = new InstanceIndex();
    index.checkAndClaim('A', [f('1.1', 'h1')]);
    expect(index.checkAndClaim('B', [f('1.1', 'h1')])).toEqual([]);
    expect(index.checkAndClaim('A', [f('1.1', 'h1-changed')])).toEqual([]);
  });

  it('when a study is released (rejected, failed), then its UIDs are free again', () => {
    const index = new InstanceIndex();
    index.checkAndClaim('A', [f('1.1', 'h1')]);
    index.release('A');
    expect(index.checkAndClaim('B', [f('1.1', 'other')])).toEqual([]);
    expect(index.holderOf('1.1')).toBe('B');
  });

  it('when rebuilt from statuses, then stored and describing studies hold their instances, others do not', () => {
    const status = (id: string, state: StudyStatus['state'], uid: string) =>
      ({ id, state, upload: { files: [{ ...f(uid, `${id}-bytes`), clientName: 'x', sizeBytes: 1 }], bytes: 1 } }) as unknown as StudyStatus;
    const index = InstanceIndex.build([status('01A', 'stored', '1.1'), status('01B', 'describing', '1.2'), status('01C', 'failed', '1.3'), status('01D', 'rejected', '1.4')]);
    expect(['1.1', '1.2', '1.3', '1.4'].map((uid) => index.holderOf(uid))).toEqual(['01A', '01B', undefined, undefined]);
  });
});
