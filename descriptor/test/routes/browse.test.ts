import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { corpusAvailable } from '../../../test/support/corpus.ts';
import { createTestDescriptor, FIXED_NOW, newStudyId, type TestDescriptor } from '../support/descriptor-app.ts';
import { rejectCorpusFiles, storeCorpusStudy, type StoredStudy } from '../support/store-studies.ts';

const sha256 = async (file: string): Promise<string> => createHash('sha256').update(await readFile(file)).digest('hex');

/**
 * The studies every test here browses, stored (or rejected) through the descriptor's own POST route, in
 * this order: the list answers them the other way round. The DICOM values in the expectations are those
 * of the corpus files (dcmdump shows them).
 */
const STORED = {
  ctSmall: 'valid/samples/CT_small.dcm', // 1CT1, 2004-01-19, CT
  mrSmall: 'valid/samples/MR_small.dcm', // 4MR1, 2004-08-26, MR
  sr: 'valid/samples/test-SR.dcm', // no PatientID, no StudyDate, SR
  pcir: 'valid/studies/pcir-ct-head', // 77654033, 1995-09-03, accession 2, CT, 4 instances
  cr: 'valid/synthetic/cr-1024', // PID574305, 2015-08-13, CR
  dx: 'valid/synthetic/dx-1024', // PID131761, 2015-08-11, DX
  multi: 'valid/synthetic/multi-series-study', // PID161430, 2023-02-23, A10229939, CT + MR
} as const;
type Label = keyof typeof STORED | 'rejectedReadable' | 'rejectedUnreadable';

describe.skipIf(!corpusAvailable)('browsing the studies', () => {
  let descriptor: TestDescriptor;
  const studies = {} as Record<Label, StoredStudy>;
  /** Labels, newest first. */
  let newestFirst: Label[];
  const idsOf = (labels: Label[]) => labels.map((label) => studies[label].id);
  const list = (query: string) => request(descriptor.app).get(`/studies${query}`);
  const listedIds = async (query: string): Promise<string[]> => {
    const response = await list(query).expect(200);
    return response.body.studies.map((study: { id: string }) => study.id);
  };

  beforeAll(async () => {
    descriptor = await createTestDescriptor();
    for (const [label, relative] of Object.entries(STORED) as [keyof typeof STORED, string][]) studies[label] = await storeCorpusStudy(descriptor, relative);
    // One rejected upload of which a file could be read (it has a metadata.json: PID341867, 2020-01-23,
    // A14062242, CT), one of which none could.
    studies.rejectedReadable = await rejectCorpusFiles(descriptor, ['invalid/single/missing-type1-StudyInstanceUID.dcm', 'invalid/single/png-named-dcm.dcm']);
    studies.rejectedUnreadable = await rejectCorpusFiles(descriptor, ['invalid/single/text-named-dcm.dcm']);
    newestFirst = ([...Object.keys(STORED), 'rejectedReadable', 'rejectedUnreadable'] as Label[]).reverse();
  });
  afterAll(() => descriptor?.remove());

  describe('GET /studies', () => {
    it('when nothing is asked, then it lists every stored and rejected study, newest first, with summary and links', async () => {
      const response = await list('').expect(200).expect('content-type', /application\/json/);
      expect(response.body.nextCursor).toBeNull();
      expect(response.body.studies.map((study: { id: string }) => study.id)).toEqual(idsOf(newestFirst));
      const multi = response.body.studies.find((study: { id: string }) => study.id === studies.multi.id);
      expect(multi).toEqual({
        id: studies.multi.id,
        state: 'stored',
        createdAt: FIXED_NOW.toISOString(),
        summary: {
          StudyInstanceUID: expect.stringMatching(/^[0-9.]+$/),
          PatientID: 'PID161430',
          StudyDate: '2023-02-23',
          AccessionNumber: 'A10229939',
          modalities: ['CT', 'MR'],
          numberOfSeries: 2,
          numberOfInstances: 6,
        },
        links: { self: `/studies/${studies.multi.id}`, metadata: `/studies/${studies.multi.id}/metadata`, validation: `/studies/${studies.multi.id}/validation` },
      });
    });

    it('when a rejected upload had no readable file, then it lists with an empty summary and no metadata link', async () => {
      const { body } = await list('?state=rejected').expect(200);
      const unreadable = body.studies.find((study: { id: string }) => study.id === studies.rejectedUnreadable.id);
      expect(unreadable).toMatchObject({
        state: 'rejected',
        summary: { StudyInstanceUID: null, PatientID: null, StudyDate: null, AccessionNumber: null, modalities: [], numberOfSeries: 0, numberOfInstances: 0 },
        links: { metadata: null, validation: `/studies/${studies.rejectedUnreadable.id}/validation` },
      });
    });

    describe('paging', () => {
      it('when the cursor is followed page by page, then every study comes once, in the order of one long page, and the last page has no cursor', async () => {
        const walked: string[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const query: string = `?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
          const { body } = await list(query).expect(200);
          expect(body.studies.length).toBeLessThanOrEqual(2);
          walked.push(...body.studies.map((study: { id: string }) => study.id));
          cursor = body.nextCursor;
          pages++;
        } while (cursor !== null && pages < 20);
        expect(walked).toEqual(idsOf(newestFirst));
        expect(new Set(walked).size).toBe(walked.length);
        expect(pages).toBe(Math.ceil(newestFirst.length / 2));
      });

      it('when the page size is exactly the number of studies, then the one page has no cursor', async () => {
        const { body } = await list(`?limit=${newestFirst.length}`).expect(200);
        expect(body.studies).toHaveLength(newestFirst.length);
        expect(body.nextCursor).toBeNull();
      });

      it('when a filter is kept along the walk, then the pages hold only its matches, each once', async () => {
        const walked: string[] = [];
        let cursor: string | null = null;
        do {
          const { body }: { body: { studies: { id: string }[]; nextCursor: string | null } } = await list(`?state=stored&limit=3${cursor ? `&cursor=${cursor}` : ''}`).expect(200);
          walked.push(...body.studies.map((study) => study.id));
          cursor = body.nextCursor;
        } while (cursor !== null);
        expect(walked).toEqual(idsOf(newestFirst.filter((label) => !label.startsWith('rejected'))));
      });

      it('when a study is published during a walk, then the walk neither repeats nor skips the others', async () => {
        const first = await list('?limit=3').expect(200);
        const added = await storeCorpusStudy(descriptor, 'valid/samples/MR_small_implicit.dcm');
        try {
          const rest = await listedIds(`?limit=500&cursor=${first.body.nextCursor}`);
          const walked = [...first.body.studies.map((study: { id: string }) => study.id), ...rest];
          expect(walked).toEqual(idsOf(newestFirst));
          // It is the newest now: a new walk starts with it.
          expect((await listedIds('?limit=1'))[0]).toBe(added.id);
        } finally {
          await rm(path.join(descriptor.config.studiesDir, added.id), { recursive: true, force: true });
          await request(descriptor.app).get(`/studies/${added.id}`).expect(404);
        }
      });

      it('when the cursor names a study that is gone, then the page still starts right after its place', async () => {
        const cursor = studies.cr.id;
        expect(await listedIds(`?cursor=${cursor}`)).toEqual(idsOf(newestFirst.slice(newestFirst.indexOf('cr') + 1)));
      });
    });

    describe('filters', () => {
      it.each([
        ['?PatientID=1CT1', ['ctSmall']],
        ['?PatientID=PID161430', ['multi']],
        ['?PatientID=1ct1', []],
        ['?AccessionNumber=2', ['pcir']],
        ['?AccessionNumber=A21380028', ['cr']],
        ['?state=stored', ['multi', 'dx', 'cr', 'pcir', 'sr', 'mrSmall', 'ctSmall']],
        ['?state=rejected', ['rejectedUnreadable', 'rejectedReadable']],
        ['?ModalitiesInStudy=MR', ['multi', 'mrSmall']],
        ['?ModalitiesInStudy=CR,DX', ['dx', 'cr']],
        ['?ModalitiesInStudy=ct', ['rejectedReadable', 'multi', 'pcir', 'ctSmall']],
        ['?ModalitiesInStudy=SEG', []],
        ['?StudyDate=20040119', ['ctSmall']],
        ['?StudyDate=2004-08-26', ['mrSmall']],
        ['?StudyDate=20040101-20041231', ['mrSmall', 'ctSmall']],
        ['?StudyDate=2015-08-11-2015-08-13', ['dx', 'cr']],
        ['?StudyDate=20150812-', ['rejectedReadable', 'multi', 'cr']],
        ['?StudyDate=-19991231', ['pcir']],
        ['?StudyDate=19950903-19950903', ['pcir']],
        ['?ModalitiesInStudy=CT&StudyDate=20000101-', ['rejectedReadable', 'multi', 'ctSmall']],
        ['?ModalitiesInStudy=CT&StudyDate=20000101-&state=stored', ['multi', 'ctSmall']],
        ['?PatientID=PID341867', ['rejectedReadable']],
        ['?state=rejected&PatientID=1CT1', []],
      ] as [string, Label[]][])('when %s is asked, then exactly the matching studies list, newest first', async (query, expected) => {
        expect(await listedIds(query)).toEqual(idsOf(expected));
      });

      it('when a date is asked, then a study without StudyDate never matches, even an open range', async () => {
        expect(await listedIds('?StudyDate=00010101-')).not.toContain(studies.sr.id);
      });
    });

    describe('when a parameter is wrong, then 400 REQUEST_INVALID names it', () => {
      it.each([
        ['limit=0', 'limit'],
        ['limit=501', 'limit'],
        ['limit=ten', 'limit'],
        ['limit=2.5', 'limit'],
        ['cursor=not-a-cursor', 'cursor'],
        ['state=failed', 'state'],
        ['state=stored&state=rejected', 'state'],
        ['StudyDate=20231301', 'StudyDate'],
        ['StudyDate=20231130-20231101', 'StudyDate'],
        ['StudyDate=2023', 'StudyDate'],
        ['StudyDate=-', 'StudyDate'],
        ['ModalitiesInStudy=C$T', 'ModalitiesInStudy'],
        ['ModalitiesInStudy=CT,,MR', 'ModalitiesInStudy'],
        ['PatientID=', 'PatientID'],
        ['patientId=1CT1', ''],
      ])('?%s', async (query, parameter) => {
        const response = await list(`?${query}`).expect(400);
        expect(response.body.error.code).toBe('REQUEST_INVALID');
        const issues: { path: string; message: string }[] = response.body.error.details.issues;
        if (parameter) expect(issues.map((issue) => issue.path)).toContain(parameter);
        else expect(issues[0]!.message).toMatch(/patientId/);
      });
    });
  });

  describe('GET /studies/:id', () => {
    it('when the study is stored, then it answers its summary, paths and each file with its link by UID', async () => {
      const { body } = await request(descriptor.app).get(`/studies/${studies.pcir.id}`).expect(200);
      expect(body).toMatchObject({ id: studies.pcir.id, state: 'stored', summary: { PatientID: '77654033', numberOfInstances: 4 } });
      expect(body.paths.directory).toMatch(new RegExp(`studies/${studies.pcir.id}$`));
      expect(body.paths.metadata).toMatch(/metadata\.json$/);
      expect(body.paths.validationLog).toMatch(/validation\.log$/);
      expect(body.files).toHaveLength(4);
      const hashes = await Promise.all(studies.pcir.sources.map(sha256));
      for (const file of body.files) {
        expect(file.path).toBe(`originals/${file.SOPInstanceUID}.dcm`);
        expect(file.href).toBe(`/studies/${studies.pcir.id}/files/${file.SOPInstanceUID}`);
        expect(hashes).toContain(file.sha256);
      }
      expect(body.paths.originals).toEqual(body.files.map((file: { path: string }) => expect.stringMatching(new RegExp(`${studies.pcir.id}/${file.path.replaceAll('.', '\\.')}$`))));
    });

    it('when the study is rejected, then each sent file is there, linked by its UID when it was readable, else by its stored name', async () => {
      const { body } = await request(descriptor.app).get(`/studies/${studies.rejectedReadable.id}`).expect(200);
      expect(body.state).toBe('rejected');
      expect(body.files).toEqual([
        expect.objectContaining({ file: '0001.dcm', path: 'files/0001.dcm', SOPInstanceUID: expect.stringMatching(/^[0-9.]+$/), href: expect.stringMatching(/\/files\/[0-9.]+$/) }),
        expect.objectContaining({ file: '0002.dcm', path: 'files/0002.dcm', SOPInstanceUID: null, sha256: null, href: `/studies/${studies.rejectedReadable.id}/files/0002.dcm` }),
      ]);
      expect(body.files[1].sizeBytes).toBe((await readFile(studies.rejectedReadable.sources[1]!)).length);
      const unreadable = await request(descriptor.app).get(`/studies/${studies.rejectedUnreadable.id}`).expect(200);
      expect(unreadable.body.paths.metadata).toBeNull();
    });

    it('when the id is malformed, then 400 STUDY_ID_INVALID; when unknown, 404 STUDY_NOT_FOUND', async () => {
      for (const bad of ['nope', '01JD5Z8K7Q3VXH2N4M6R8T0W2', '01jd5z8k7q3vxh2n4m6r8t0w2y', '..', '01JD5Z8K7Q3VXH2N4M6R8T0W2I']) {
        const response = await request(descriptor.app).get(`/studies/${bad}`).expect(400);
        expect(response.body.error.code).toBe('STUDY_ID_INVALID');
      }
      for (const route of ['', '/metadata', '/validation', '/files/1.2.3']) {
        const response = await request(descriptor.app).get(`/studies/${newStudyId()}${route}`).expect(404);
        expect(response.body.error.code).toBe('STUDY_NOT_FOUND');
      }
    });
  });

  describe('GET /studies/:id/metadata', () => {
    it('when the study has metadata.json, then it answers it as JSON, as written', async () => {
      const response = await request(descriptor.app).get(`/studies/${studies.multi.id}/metadata`).expect(200).expect('content-type', 'application/json; charset=utf-8');
      expect(response.text).toBe(await readFile(path.join(descriptor.config.studiesDir, studies.multi.id, 'metadata.json'), 'utf8'));
      expect(response.body).toMatchObject({ studyId: studies.multi.id, summary: { numberOfInstances: 6 } });
    });

    it('when a rejected study has none, then 404 METADATA_NOT_FOUND', async () => {
      const response = await request(descriptor.app).get(`/studies/${studies.rejectedUnreadable.id}/metadata`).expect(404);
      expect(response.body.error.code).toBe('METADATA_NOT_FOUND');
      await request(descriptor.app).get(`/studies/${studies.rejectedReadable.id}/metadata`).expect(200);
    });
  });

  describe('GET /studies/:id/validation', () => {
    it('when asked, then it answers validation.log as UTF-8 text, for stored and rejected studies alike', async () => {
      for (const label of ['ctSmall', 'rejectedUnreadable'] as const) {
        const { id } = studies[label];
        const root = label === 'ctSmall' ? descriptor.config.studiesDir : descriptor.config.rejectedDir;
        const response = await request(descriptor.app).get(`/studies/${id}/validation`).expect(200).expect('content-type', 'text/plain; charset=utf-8');
        expect(response.text).toBe(await readFile(path.join(root, id, 'validation.log'), 'utf8'));
        expect(response.text).toContain(`Validation log of study ${id}`);
      }
    });
  });
});
