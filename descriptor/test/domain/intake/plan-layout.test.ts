import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { element, part10 } from '../../../../test/support/dicom-bytes.ts';
import { receivedPath } from '../../../src/domain/intake/plan-layout.ts';
import { describeRequest, type UploadFile } from '../../support/describe-request.ts';
import { createTestDescriptor, newStudyId, postStudy, type TestDescriptor } from '../../support/descriptor-app.ts';

describe('receivedPath', () => {
  it('when a delivery is rejected, then its files keep their stored names under files/', () => {
    expect(receivedPath('rejected', 2, '0002.dcm')).toBe('files/0002.dcm');
  });

  it('when a delivery is valid, then one file arrives as original.dcm and several under originals/ by stored name', () => {
    expect(receivedPath('stored', 1, '0001.dcm')).toBe('original.dcm');
    expect(receivedPath('stored', 3, '0002.dcm')).toBe('originals/0002.dcm');
  });
});

/**
 * A UID names a folder or a file only after its grammar (PS3.5 §9.1) was checked: the validator refuses
 * such files already; the descriptor checks again before a UID becomes a path.
 */
describe('a valid delivery whose UIDs cannot be paths', () => {
  let descriptor: TestDescriptor;
  let dir: string;
  beforeAll(async () => {
    descriptor = await createTestDescriptor();
    dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-uid-paths-'));
  });
  afterAll(async () => {
    await descriptor.remove();
    await rm(dir, { recursive: true, force: true });
  });

  const deliver = async (sopUid: string, studyUid: string) => {
    const dataset = [
      element('00080016', 'UI', '1.2.840.10008.5.1.4.1.1.7'), // SOPClassUID: Secondary Capture
      element('00080018', 'UI', sopUid), // SOPInstanceUID
      element('00080060', 'CS', 'OT'), // Modality
      element('0020000D', 'UI', studyUid), // StudyInstanceUID
      element('0020000E', 'UI', '1.2.3.1'), // SeriesInstanceUID
    ];
    const source = path.join(dir, `${newStudyId()}.dcm`);
    await writeFile(source, part10(dataset, { sopInstanceUid: sopUid }));
    const files: UploadFile[] = [{ file: '0001.dcm', source }];
    const id = newStudyId();
    return postStudy(descriptor.app, describeRequest(id, files), files);
  };

  it.each([['../../etc/passwd'], ['1.2.03'], ['1.2.3/4'], ['1'.repeat(65)]])(
    'when the SOP Instance UID is %j, then 400 REQUEST_INVALID and nothing is stored',
    async (uid) => {
      const response = await deliver(uid, '1.2.3');
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('REQUEST_INVALID');
      expect(await readdir(descriptor.config.studiesDir).catch(() => [])).toEqual(expect.not.arrayContaining(['1.2.3']));
    },
  );

  it.each([['../x'], ['1.2.3/..']])('when the StudyInstanceUID is %j, then 400 REQUEST_INVALID and no folder is made', async (uid) => {
    const response = await deliver('1.2.3.4', uid);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('REQUEST_INVALID');
    expect((await readdir(descriptor.config.studiesDir).catch(() => [])).filter((name) => !name.startsWith('.'))).toEqual([]);
  });
});
