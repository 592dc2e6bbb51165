import { createHash } from 'node:crypto';
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

  it('when a study is stored (settled), then a release no longer frees its UIDs', () => {
    const index = new InstanceIndex();
    index.checkAndClaim('A', [f('1.1', 'h1')]);
    index.settle('A');
    index.release('A');
    expect(index.holderOf('1.1')).toBe('A');
    expect(index.checkAndClaim('B', [f('1.1', 'other')])).toEqual([{ file: '0001.dcm', SOPInstanceUID: '1.1', heldBy: 'A', kind: 'changed' }]);
  });

  it('when thousands of instances come and go, then each keeps its holder, bytes and transfer syntax, in slots freed and reused', () => {
    const sha = (label: string) => createHash('sha256').update(label).digest('hex');
    const index = new InstanceIndex();
    const uids = Array.from({ length: 3000 }, (_, i) => `2.25.${i}`);
    const study = (i: number) => `S${Math.floor(i / 100)}`;
    for (const [i, uid] of uids.entries()) index.checkAndClaim(study(i), [f(uid, sha(uid), i % 2 ? EXPLICIT : IMPLICIT)]);
    // Studies S0–S9 rejected, S10 onwards stored: the first thousand UIDs are free again.
    for (let s = 0; s < 30; s++) {
      if (s < 10) index.release(`S${s}`);
      else index.settle(`S${s}`);
    }
    for (const uid of uids.slice(0, 500)) expect(index.checkAndClaim('T', [f(uid, sha(`${uid}-other`))])).toEqual([]);
    expect(uids.map((uid) => index.holderOf(uid))).toEqual(uids.map((_, i) => (i < 500 ? 'T' : i < 1000 ? undefined : study(i))));
    for (const i of [1000, 1999, 2998, 2999]) {
      const uid = uids[i]!;
      expect(index.checkAndClaim('U', [f(uid, sha(uid), IMPLICIT)])).toEqual([]);
      const otherBytes = index.checkAndClaim('U', [f(uid, sha(`${uid}-other`), IMPLICIT)]);
      expect(otherBytes).toEqual([{ file: '0001.dcm', SOPInstanceUID: uid, heldBy: study(i), kind: i % 2 ? 'reencoded' : 'changed' }]);
    }
  });

  it('when rebuilt from statuses, then stored and describing studies hold their instances, others do not', () => {
    const status = (id: string, state: StudyStatus['state'], uid: string) =>
      ({ id, state, upload: { files: [{ ...f(uid, `${id}-bytes`), clientName: 'x', sizeBytes: 1 }], bytes: 1 } }) as unknown as StudyStatus;
    const index = InstanceIndex.build([status('01A', 'stored', '1.1'), status('01B', 'describing', '1.2'), status('01C', 'failed', '1.3'), status('01D', 'rejected', '1.4')]);
    expect(['1.1', '1.2', '1.3', '1.4'].map((uid) => index.holderOf(uid))).toEqual(['01A', '01B', undefined, undefined]);
  });
});
