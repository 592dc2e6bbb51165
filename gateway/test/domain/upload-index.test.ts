import { describe, expect, it } from 'vitest';
import { UploadIndex, uploadIdentity } from '../../src/domain/upload-index.ts';
import type { StudyStatus } from '../../src/domain/study-status.ts';

const file = (sha256: string) => ({ file: '0001.dcm', clientName: 'a.dcm', sizeBytes: 1, sha256 });
const status = (id: string, hashes: string[], state: StudyStatus['state'] = 'stored') =>
  ({ id, state, upload: { files: hashes.map(file), bytes: hashes.length } }) as unknown as StudyStatus;

describe('uploadIdentity', () => {
  it('when the same files come in another order, then the identity is the same; another file set differs', () => {
    expect(uploadIdentity([file('a'), file('b')])).toBe(uploadIdentity([file('b'), file('a')]));
    expect(uploadIdentity([file('a'), file('b')])).not.toBe(uploadIdentity([file('a')]));
    expect(uploadIdentity([file('a'), file('a')])).not.toBe(uploadIdentity([file('a')]));
  });
});

describe('UploadIndex', () => {
  it('when an identity is claimed twice, then the second claim answers the first id; the same id may claim again', () => {
    const index = new UploadIndex();
    expect(index.claim('x', 'A')).toBe(null);
    expect(index.claim('x', 'B')).toBe('A');
    expect(index.claim('x', 'A')).toBe(null);
    index.release('x', 'B');
    expect(index.claim('x', 'B')).toBe('A');
    index.release('x', 'A');
    expect(index.claim('x', 'B')).toBe(null);
  });

  it('when rebuilt from statuses, then every upload with files is known, the oldest holding a shared identity', () => {
    const index = UploadIndex.build([status('01B', ['h1']), status('01A', ['h1']), status('01C', ['h2'], 'failed'), status('01D', [])]);
    expect(index.claim(uploadIdentity([file('h1')]), 'NEW')).toBe('01A');
    expect(index.claim(uploadIdentity([file('h2')]), 'NEW')).toBe('01C');
    expect(index.size).toBe(2);
  });
});
