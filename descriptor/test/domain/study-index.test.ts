import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, newStudyId, timeOfStudyId } from '@dsv/common';
import request from 'supertest';
import { corpusAvailable } from '../../../test/support/corpus.ts';
import type { DescriptorConfig } from '../../src/config.ts';
import type { IndexedStudy } from '../../src/domain/read-study-entry.ts';
import { StudyIndex } from '../../src/domain/study-index.ts';
import { StudyQuerySchema } from '../../src/domain/study-query.ts';
import { startDescriptor } from '../../src/server.ts';
import { createTestDescriptor, FIXED_NOW, type TestDescriptor } from '../support/descriptor-app.ts';
import { rejectCorpusFiles, storeCorpusStudy } from '../support/store-studies.ts';

const entry = (id: string, state: IndexedStudy['state'] = 'stored'): IndexedStudy => ({
  id,
  state,
  createdAt: null,
  summary: { StudyInstanceUID: null, PatientID: null, StudyDate: null, AccessionNumber: null, modalities: [], numberOfSeries: 0, numberOfInstances: 0 },
  hasMetadata: false,
});
const page = (index: StudyIndex, query: Record<string, string> = {}) => index.list(StudyQuerySchema.parse(query));

describe('StudyIndex', () => {
  it('when studies are recorded in any order, then they list newest first (by id), and a forgotten one leaves the list', () => {
    const [a, b, c] = [newStudyId(), newStudyId(), newStudyId()];
    const index = new StudyIndex();
    for (const id of [b!, c!, a!]) index.record(entry(id));
    expect(page(index).studies.map((study) => study.id)).toEqual([c, b, a]);
    index.record(entry(b!));
    expect(index.count()).toBe(3);
    index.forget(b!);
    index.forget(b!);
    expect(page(index).studies.map((study) => study.id)).toEqual([c, a]);
  });

  it('when one id is both stored and rejected (made by hand), then the stored study wins', () => {
    const id = newStudyId();
    const index = new StudyIndex();
    index.record(entry(id, 'stored'));
    index.record(entry(id, 'rejected'));
    expect(index.get(id)?.state).toBe('stored');
    expect(index.count('rejected')).toBe(0);
  });
});

describe.skipIf(!corpusAvailable)('the index over the folders', () => {
  let source: TestDescriptor;
  let dir: string;
  let config: DescriptorConfig;
  beforeEach(async () => {
    source = await createTestDescriptor();
    dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-descriptor-restored-'));
    config = { ...source.config, studiesDir: path.join(dir, 'studies'), rejectedDir: path.join(dir, 'rejected') };
  });
  afterEach(async () => {
    await source.remove();
    await rm(dir, { recursive: true, force: true });
  });

  const start = () => startDescriptor(config, { logger: createLogger('descriptor', 'silent') });

  it('when a stored study folder is copied into a fresh studies folder, then the descriptor started on it lists it and serves its files', async () => {
    const stored = await storeCorpusStudy(source, 'valid/studies/pcir-ct-head');
    const rejected = await rejectCorpusFiles(source, ['invalid/single/png-named-dcm.dcm']);
    const original = (await request(source.app).get(`/studies/${stored.id}`).expect(200)).body;
    await cp(path.join(source.config.studiesDir, stored.id), path.join(config.studiesDir, stored.id), { recursive: true });
    await cp(path.join(source.config.rejectedDir, rejected.id), path.join(config.rejectedDir, rejected.id), { recursive: true });

    const running = await start();
    try {
      const list = (await (await fetch(`${running.url}/studies`)).json()) as { studies: { id: string; createdAt: string }[] };
      expect(list).toEqual({
        studies: [
          expect.objectContaining({ id: rejected.id, state: 'rejected' }),
          { id: stored.id, state: 'stored', createdAt: original.createdAt, summary: original.summary, links: original.links },
        ],
        nextCursor: null,
      });
      for (const file of original.files as { href: string; sha256: string; file: string }[]) {
        const response = await fetch(`${running.url}${file.href}`);
        expect(response.status).toBe(200);
        expect(response.headers.get('etag')).toBe(`"${file.sha256}"`);
        expect(Buffer.from(await response.arrayBuffer()).equals(await readFile(stored.sources[Number(file.file.slice(0, 4)) - 1]!))).toBe(true);
      }
    } finally {
      await running.close();
    }
  });

  it('when the folders hold .incoming, folders not named by a study id and plain files, then only the studies list', async () => {
    const stored = await storeCorpusStudy(source, 'valid/samples/CT_small.dcm');
    await cp(path.join(source.config.studiesDir, stored.id), path.join(config.studiesDir, stored.id), { recursive: true });
    await mkdir(path.join(config.studiesDir, 'backup-of-something'), { recursive: true });
    await mkdir(path.join(config.studiesDir, stored.id.toLowerCase()), { recursive: true });
    await writeFile(path.join(config.studiesDir, newStudyId()), 'a file, not a folder');
    await mkdir(path.join(config.rejectedDir, '.incoming', `${newStudyId()}.abc`), { recursive: true });

    const running = await start();
    try {
      const list = (await (await fetch(`${running.url}/studies`)).json()) as { studies: { id: string; createdAt: string }[] };
      expect(list.studies.map((study: { id: string }) => study.id)).toEqual([stored.id]);
    } finally {
      await running.close();
    }
  });

  it('when a metadata.json cannot be read, then the study still lists, with an empty summary and the time of its validation.log, and its originals still serve', async () => {
    const stored = await storeCorpusStudy(source, 'valid/studies/pcir-ct-head');
    const target = path.join(config.studiesDir, stored.id);
    await cp(path.join(source.config.studiesDir, stored.id), target, { recursive: true });
    const uid = JSON.parse(await readFile(path.join(target, 'metadata.json'), 'utf8')).instances[0].SOPInstanceUID as string;
    await writeFile(path.join(target, 'metadata.json'), '{ "cut short');

    const running = await start();
    try {
      const list = (await (await fetch(`${running.url}/studies`)).json()) as { studies: { id: string; createdAt: string }[] };
      expect(list.studies).toEqual([expect.objectContaining({ id: stored.id, summary: expect.objectContaining({ PatientID: null, numberOfInstances: 0 }) })]);
      expect(list.studies[0]!.createdAt).toBe(FIXED_NOW.toISOString());
      const file = await fetch(`${running.url}/studies/${stored.id}/files/${uid}`);
      expect(file.status).toBe(200);
      expect(file.headers.get('etag')).toBeNull();
      expect((await file.arrayBuffer()).byteLength).toBeGreaterThan(0);
    } finally {
      await running.close();
    }
  });

  it('when neither metadata.json nor validation.log can be read, then the study lists with the time its id was made', async () => {
    const rejected = await rejectCorpusFiles(source, ['invalid/single/text-named-dcm.dcm']);
    const target = path.join(config.rejectedDir, rejected.id);
    await cp(path.join(source.config.rejectedDir, rejected.id), target, { recursive: true });
    await rm(path.join(target, 'validation.log'));

    const running = await start();
    try {
      const list = (await (await fetch(`${running.url}/studies`)).json()) as { studies: { id: string; createdAt: string }[] };
      expect(list.studies).toEqual([expect.objectContaining({ id: rejected.id, createdAt: timeOfStudyId(rejected.id)!.toISOString() })]);
    } finally {
      await running.close();
    }
  });

  it('when a metadata.json points outside its folder, then that path is never opened', async () => {
    const stored = await storeCorpusStudy(source, 'valid/studies/pcir-ct-head');
    const target = path.join(config.studiesDir, stored.id);
    await cp(path.join(source.config.studiesDir, stored.id), target, { recursive: true });
    const metadata = JSON.parse(await readFile(path.join(target, 'metadata.json'), 'utf8'));
    const uid = metadata.instances[0].SOPInstanceUID as string;
    metadata.instances[0].path = '../../../etc/passwd';
    await writeFile(path.join(target, 'metadata.json'), JSON.stringify(metadata));

    const running = await start();
    try {
      const response = await fetch(`${running.url}/studies/${stored.id}/files/${uid}`);
      expect(response.status).toBe(404);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('INSTANCE_NOT_FOUND');
    } finally {
      await running.close();
    }
  });

  it('when a study folder is removed while the service runs, then it answers 404 STUDY_NOT_FOUND and leaves the list', async () => {
    const stored = await storeCorpusStudy(source, 'valid/samples/CT_small.dcm');
    await request(source.app).get(`/studies/${stored.id}/validation`).expect(200);
    await rm(path.join(source.config.studiesDir, stored.id), { recursive: true });
    const response = await request(source.app).get(`/studies/${stored.id}/validation`).expect(404);
    expect(response.body.error.code).toBe('STUDY_NOT_FOUND');
    expect((await request(source.app).get('/studies').expect(200)).body.studies).toEqual([]);
  });
});
