import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DicomJsonSpool } from '../../src/domain/dicom-json-spool.ts';
import type { DicomJsonDataset } from '../../src/domain/dicom-json.ts';

const dataset = (uid: string): DicomJsonDataset => ({ '00080018': { vr: 'UI', Value: [uid] } });
/** As describeFile hands it to the spool: serialised. */
const serialised = (uid: string): Buffer => Buffer.from(JSON.stringify(dataset(uid)));

describe('DicomJsonSpool', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-spool-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const writeAndRead = async (spool: DicomJsonSpool, order: string[]) => {
    await spool.writeArray(path.join(dir, 'metadata.dicom.json'), order);
    return readFile(path.join(dir, 'metadata.dicom.json'), 'utf8');
  };

  it('when a study is small, then its DICOM JSON never touches disk and the array follows the given order, one instance a line', async () => {
    const spool = new DicomJsonSpool();
    await Promise.all(['1.1', '1.2', '1.3'].map((uid, index) => spool.add(`000${index + 1}.dcm`, serialised(uid), dir)));
    expect(await readdir(dir)).toEqual([]);
    const text = await writeAndRead(spool, ['0003.dcm', '0001.dcm', '0002.dcm']);
    expect(text.split('\n')).toHaveLength(6);
    expect(JSON.parse(text)).toEqual([dataset('1.3'), dataset('1.1'), dataset('1.2')]);
  });

  it('when the DICOM JSON outgrows the memory allowed, then it is spooled to one file, read back in order, and the spool file is removed', async () => {
    const spool = new DicomJsonSpool(100);
    const uids = Array.from({ length: 20 }, (_, index) => `1.2.${index}`);
    await Promise.all(uids.map((uid, index) => spool.add(`${String(index + 1).padStart(4, '0')}.dcm`, serialised(uid), dir)));
    expect(await readdir(dir)).toEqual(['.dicom-json.spool']);
    const order = uids.map((_, index) => `${String(index + 1).padStart(4, '0')}.dcm`).reverse();
    expect(JSON.parse(await writeAndRead(spool, order))).toEqual(uids.map(dataset).reverse());
    expect(await readdir(dir)).toEqual(['metadata.dicom.json']);
  });
});
