import { createHash } from 'node:crypto';
import { cp, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { corpusAvailable } from '../../../test/support/corpus.ts';
import { createTestDescriptor, FIXED_NOW, markStable, newStudyId, type TestDescriptor } from '../support/descriptor-app.ts';
import { rejectCorpusFiles, storeCorpusStudy, type StoredStudy } from '../support/store-studies.ts';

const sha256 = async (file: string): Promise<string> =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex');

/**
 * The studies every test here browses, stored (or rejected) through the descriptor's own POST route, one
 * delivery each, in this order: the list answers them the other way round (by the delivery that created
 * each). `cr` is then made stable. The DICOM values in the expectations are those of the corpus files
 * (dcmdump shows them).
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
  /** Labels of the DICOM studies, newest first. */
  let newestFirst: Label[];
  /** How GET /studies names each: a study by its StudyInstanceUID, a rejected delivery by its id. */
  const keyOf = (label: Label): string => studies[label].uid ?? studies[label].id;
  const idsOf = (labels: Label[]) => labels.map(keyOf);
  const list = (query: string) => request(descriptor.app).get(`/studies${query}`);
  const listedIds = async (query: string): Promise<string[]> => {
    const response = await list(query).expect(200);
    return response.body.studies.map((study: { id: string }) => study.id);
  };

  beforeAll(async () => {
    descriptor = await createTestDescriptor();
    for (const [label, relative] of Object.entries(STORED) as [keyof typeof STORED, string][])
      studies[label] = await storeCorpusStudy(descriptor, relative);
    // One rejected upload of which a file could be read (it has a metadata.json: PID341867, 2020-01-23,
    // A14062242, CT), one of which none could.
    studies.rejectedReadable = await rejectCorpusFiles(descriptor, [
      'invalid/single/missing-type1-StudyInstanceUID.dcm',
      'invalid/single/png-named-dcm.dcm',
    ]);
    studies.rejectedUnreadable = await rejectCorpusFiles(descriptor, ['invalid/single/text-named-dcm.dcm']);
    newestFirst = (Object.keys(STORED) as Label[]).reverse();
    await markStable(descriptor.app, keyOf('cr'), studies.cr.id).expect(200);
  });
  afterAll(() => descriptor?.remove());

  describe('GET /studies', () => {
    it('when nothing is asked, then it lists every DICOM study (not the rejected deliveries), newest first, with state, summary and links', async () => {
      const response = await list('')
        .expect(200)
        .expect('content-type', /application\/json/);
      expect(response.body.nextCursor).toBeNull();
      expect(response.body.studies.map((study: { id: string }) => study.id)).toEqual(idsOf(newestFirst));
      expect(response.body.studies.map((study: { state: string }) => study.state)).toEqual(
        newestFirst.map((label) => (label === 'cr' ? 'stable' : 'receiving')),
      );
      const uid = keyOf('multi');
      const multi = response.body.studies.find((study: { id: string }) => study.id === uid);
      expect(multi).toEqual({
        id: uid,
        state: 'receiving',
        createdAt: FIXED_NOW.toISOString(),
        updatedAt: FIXED_NOW.toISOString(),
        summary: {
          StudyInstanceUID: uid,
          PatientID: 'PID161430',
          StudyDate: '2023-02-23',
          AccessionNumber: 'A10229939',
          modalities: ['CT', 'MR'],
          numberOfSeries: 2,
          numberOfInstances: 6,
        },
        links: { self: `/studies/${uid}`, metadata: `/studies/${uid}/metadata`, validation: `/studies/${uid}/validation` },
      });
    });

    it('when state=rejected is asked, then it lists the rejected deliveries by their ids, newest first', async () => {
      const { body } = await list('?state=rejected').expect(200);
      expect(body.studies.map((study: { id: string; state: string }) => [study.id, study.state])).toEqual([
        [studies.rejectedUnreadable.id, 'rejected'],
        [studies.rejectedReadable.id, 'rejected'],
      ]);
      expect(body.studies[1]).toMatchObject({
        summary: { PatientID: 'PID341867', modalities: ['CT'] },
        links: { metadata: `/studies/${studies.rejectedReadable.id}/metadata` },
      });
    });

    it('when a rejected upload had no readable file, then it lists with an empty summary and no metadata link', async () => {
      const { body } = await list('?state=rejected').expect(200);
      const unreadable = body.studies.find((study: { id: string }) => study.id === studies.rejectedUnreadable.id);
      expect(unreadable).toMatchObject({
        state: 'rejected',
        summary: {
          StudyInstanceUID: null,
          PatientID: null,
          StudyDate: null,
          AccessionNumber: null,
          modalities: [],
          numberOfSeries: 0,
          numberOfInstances: 0,
        },
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
          const { body }: { body: { studies: { id: string }[]; nextCursor: string | null } } = await list(
            `?state=receiving&limit=3${cursor ? `&cursor=${cursor}` : ''}`,
          ).expect(200);
          walked.push(...body.studies.map((study) => study.id));
          cursor = body.nextCursor;
        } while (cursor !== null);
        expect(walked).toEqual(idsOf(newestFirst.filter((label) => label !== 'cr')));
      });

      it('when the rejected deliveries are walked page by page, then each comes once, and the last page has no cursor', async () => {
        const first = await list('?state=rejected&limit=1').expect(200);
        expect(first.body.studies.map((study: { id: string }) => study.id)).toEqual([studies.rejectedUnreadable.id]);
        const second = await list(`?state=rejected&limit=1&cursor=${first.body.nextCursor}`).expect(200);
        expect(second.body.studies.map((study: { id: string }) => study.id)).toEqual([studies.rejectedReadable.id]);
        expect(second.body.nextCursor).toBeNull();
      });

      it('when the cursor is the delivery that created a study, then the page starts right after that study', async () => {
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
        ['?state=receiving', ['multi', 'dx', 'pcir', 'sr', 'mrSmall', 'ctSmall']],
        ['?state=stable', ['cr']],
        ['?state=rejected', ['rejectedUnreadable', 'rejectedReadable']],
        ['?ModalitiesInStudy=MR', ['multi', 'mrSmall']],
        ['?ModalitiesInStudy=CR,DX', ['dx', 'cr']],
        ['?ModalitiesInStudy=CR&state=stable', ['cr']],
        ['?ModalitiesInStudy=CR&state=receiving', []],
        ['?ModalitiesInStudy=ct', ['multi', 'pcir', 'ctSmall']],
        ['?ModalitiesInStudy=SEG', []],
        ['?StudyDate=20040119', ['ctSmall']],
        ['?StudyDate=2004-08-26', ['mrSmall']],
        ['?StudyDate=20040101-20041231', ['mrSmall', 'ctSmall']],
        ['?StudyDate=2015-08-11-2015-08-13', ['dx', 'cr']],
        ['?StudyDate=20150812-', ['multi', 'cr']],
        ['?StudyDate=-19991231', ['pcir']],
        ['?StudyDate=19950903-19950903', ['pcir']],
        ['?ModalitiesInStudy=CT&StudyDate=20000101-', ['multi', 'ctSmall']],
        ['?ModalitiesInStudy=CT&StudyDate=20000101-&state=receiving', ['multi', 'ctSmall']],
        // A rejected delivery is no study: its patient is not found among the studies.
        ['?PatientID=PID341867', []],
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
        ['state=stored', 'state'],
        ['state=receiving&state=rejected', 'state'],
        // Rejected deliveries are listed unfiltered: a filter with them would be ignored, so it is refused.
        ['state=rejected&PatientID=1CT1', 'PatientID'],
        ['state=rejected&ModalitiesInStudy=CT', 'ModalitiesInStudy'],
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
    it('when the study is asked by its StudyInstanceUID, then it answers its summary, paths and each file with its link by UID', async () => {
      const uid = keyOf('pcir');
      const { body } = await request(descriptor.app).get(`/studies/${uid}`).expect(200);
      expect(body).toMatchObject({
        id: uid,
        state: 'receiving',
        summary: { StudyInstanceUID: uid, PatientID: '77654033', numberOfInstances: 4 },
      });
      expect(body.paths.directory).toMatch(new RegExp(`studies/${uid.replaceAll('.', '\\.')}$`));
      expect(body.paths.metadata).toMatch(/metadata\.json$/);
      expect(body.paths.validationLog).toMatch(/validation\.log$/);
      expect(body.files).toHaveLength(4);
      const hashes = await Promise.all(studies.pcir.sources.map(sha256));
      for (const file of body.files) {
        expect(file.path).toBe(`originals/${file.SOPInstanceUID}.dcm`);
        expect(file.href).toBe(`/studies/${uid}/files/${file.SOPInstanceUID}`);
        expect(hashes).toContain(file.sha256);
      }
      expect(new Set(body.files.map((file: { sha256: string }) => file.sha256))).toEqual(new Set(hashes));
      expect(body.paths.originals).toEqual(
        body.files.map((file: { path: string }) =>
          expect.stringMatching(new RegExp(`${uid.replaceAll('.', '\\.')}/${file.path.replaceAll('.', '\\.')}$`)),
        ),
      );
    });

    it("when a stored delivery's id is asked, then it answers the study that delivery joined", async () => {
      const byDelivery = await request(descriptor.app).get(`/studies/${studies.pcir.id}`).expect(200);
      const byUid = await request(descriptor.app)
        .get(`/studies/${keyOf('pcir')}`)
        .expect(200);
      expect(byDelivery.body).toEqual(byUid.body);
    });

    it('when the study is rejected, then each sent file is there, linked by its UID when it was readable, else by its stored name', async () => {
      const { body } = await request(descriptor.app).get(`/studies/${studies.rejectedReadable.id}`).expect(200);
      expect(body.state).toBe('rejected');
      expect(body.files).toEqual([
        expect.objectContaining({
          file: '0001.dcm',
          path: 'files/0001.dcm',
          SOPInstanceUID: expect.stringMatching(/^[0-9.]+$/),
          href: expect.stringMatching(/\/files\/[0-9.]+$/),
        }),
        expect.objectContaining({
          file: '0002.dcm',
          path: 'files/0002.dcm',
          SOPInstanceUID: null,
          sha256: null,
          href: `/studies/${studies.rejectedReadable.id}/files/0002.dcm`,
        }),
      ]);
      expect(body.files[1].sizeBytes).toBe((await readFile(studies.rejectedReadable.sources[1]!)).length);
      const unreadable = await request(descriptor.app).get(`/studies/${studies.rejectedUnreadable.id}`).expect(200);
      expect(unreadable.body.paths.metadata).toBeNull();
    });

    it('when the id is malformed, then 400 STUDY_ID_INVALID; when unknown, 404 STUDY_NOT_FOUND', async () => {
      for (const bad of [
        'nope',
        '01JD5Z8K7Q3VXH2N4M6R8T0W2',
        '01jd5z8k7q3vxh2n4m6r8t0w2y',
        '..',
        '01JD5Z8K7Q3VXH2N4M6R8T0W2I',
        '1.02.3',
        '1..2',
        `1.${'2'.repeat(64)}`,
      ]) {
        const response = await request(descriptor.app).get(`/studies/${bad}`).expect(400);
        expect(response.body.error.code).toBe('STUDY_ID_INVALID');
      }
      for (const unknown of [newStudyId(), '1.2.3.999']) {
        for (const route of ['', '/metadata', '/validation', '/files/1.2.3']) {
          const response = await request(descriptor.app).get(`/studies/${unknown}${route}`).expect(404);
          expect(response.body.error.code).toBe('STUDY_NOT_FOUND');
        }
      }
    });
  });

  describe('GET /studies/:id/metadata', () => {
    it("when the study has metadata.json, then it answers it as JSON, as written, by its UID or by its delivery's id", async () => {
      const uid = keyOf('multi');
      const response = await request(descriptor.app)
        .get(`/studies/${uid}/metadata`)
        .expect(200)
        .expect('content-type', 'application/json; charset=utf-8');
      expect(response.text).toBe(await readFile(path.join(descriptor.config.studiesDir, uid, 'metadata.json'), 'utf8'));
      expect(response.body).toMatchObject({ studyId: uid, deliveries: [studies.multi.id], summary: { numberOfInstances: 6 } });
      expect((await request(descriptor.app).get(`/studies/${studies.multi.id}/metadata`).expect(200)).text).toBe(response.text);
    });

    it('when a rejected study has none, then 404 METADATA_NOT_FOUND', async () => {
      const response = await request(descriptor.app).get(`/studies/${studies.rejectedUnreadable.id}/metadata`).expect(404);
      expect(response.body.error.code).toBe('METADATA_NOT_FOUND');
      await request(descriptor.app).get(`/studies/${studies.rejectedReadable.id}/metadata`).expect(200);
    });
  });

  describe('GET /studies/:id/validation', () => {
    it('when asked, then it answers validation.log as UTF-8 text, for studies and rejected deliveries alike', async () => {
      const study = await request(descriptor.app)
        .get(`/studies/${keyOf('ctSmall')}/validation`)
        .expect(200)
        .expect('content-type', 'text/plain; charset=utf-8');
      expect(study.text).toBe(await readFile(path.join(descriptor.config.studiesDir, keyOf('ctSmall'), 'validation.log'), 'utf8'));
      expect(study.text.split('\n')[0]).toBe(`Validation log of DICOM study ${keyOf('ctSmall')}`);
      expect(study.text).toMatch(new RegExp(`^Delivery ${studies.ctSmall.id}$`, 'm'));
      const { id } = studies.rejectedUnreadable;
      const rejected = await request(descriptor.app)
        .get(`/studies/${id}/validation`)
        .expect(200)
        .expect('content-type', 'text/plain; charset=utf-8');
      expect(rejected.text).toBe(await readFile(path.join(descriptor.config.rejectedDir, id, 'validation.log'), 'utf8'));
      expect(rejected.text.split('\n')[0]).toBe(`Delivery ${id}`);
    });
  });

  // Last: these add to the archive the tests above browse.
  describe('while the archive changes', () => {
    it('when a study is published during a walk, then the walk neither repeats nor skips the others, and a new walk starts with it', async () => {
      const first = await list('?limit=3').expect(200);
      const added = await storeCorpusStudy(descriptor, 'valid/samples/JPEG2000.dcm');
      const rest = await listedIds(`?limit=500&cursor=${first.body.nextCursor}`);
      const walked = [...first.body.studies.map((study: { id: string }) => study.id), ...rest];
      expect(walked).toEqual(idsOf(newestFirst));
      expect((await listedIds('?limit=1'))[0]).toBe(added.uid);
    });

    it('when a delivery joins a listed study during a walk, then the study keeps its place (it is ordered by the delivery that created it)', async () => {
      const order = await listedIds('?limit=500');
      const first = await list('?limit=2').expect(200);
      // One data set in another encoding, under MR_small's UIDs: it joins that study.
      const joined = await storeCorpusStudy(descriptor, 'valid/samples/MR_small_implicit.dcm');
      expect(joined.uid).toBe(keyOf('mrSmall'));
      const rest = await listedIds(`?limit=500&cursor=${first.body.nextCursor}`);
      expect([...first.body.studies.map((study: { id: string }) => study.id), ...rest]).toEqual(order);
      expect(await listedIds('?limit=500')).toEqual(order);
    });

    it('when a study folder is removed by hand, then GET /studies/:id answers 404 STUDY_NOT_FOUND', async () => {
      const uid = keyOf('sr');
      await request(descriptor.app).get(`/studies/${uid}`).expect(200);
      await rm(path.join(descriptor.config.studiesDir, uid), { recursive: true, force: true });
      for (const route of ['', '/metadata', '/validation']) {
        const response = await request(descriptor.app).get(`/studies/${uid}${route}`).expect(404);
        expect(response.body.error.code).toBe('STUDY_NOT_FOUND');
      }
    });

    it('when a study folder is copied in by hand, then it is neither listed nor found: the catalogue is the index (npm run reindex reads the folders)', async () => {
      const copied = '1.2.826.0.1.3680043.2.1125.1';
      await cp(path.join(descriptor.config.studiesDir, keyOf('ctSmall')), path.join(descriptor.config.studiesDir, copied), {
        recursive: true,
      });
      expect(await listedIds('?limit=500')).not.toContain(copied);
      expect((await request(descriptor.app).get(`/studies/${copied}`).expect(404)).body.error.code).toBe('STUDY_NOT_FOUND');
    });
  });
});
