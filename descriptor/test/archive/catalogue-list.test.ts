import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newStudyId, type DescribeResult } from '@dsv/common';
import { Catalogue, type StudyQueryFilter } from '../../src/data/catalogue.ts';
import type { StudySections } from '../../src/domain/metadata/extract-metadata.ts';

interface Made {
  PatientID: string | null;
  StudyDate: string | null;
  AccessionNumber: string | null;
  modalities: string[];
}

type Label = 'a' | 'b' | 'c' | 'd' | 'e' | 'f';
/** The studies of the catalogue, in the order their first delivery came (oldest first). */
const STUDIES: Record<Label, Made> = {
  a: { PatientID: 'P1', StudyDate: '2004-01-19', AccessionNumber: 'ACC1', modalities: ['CT'] },
  b: { PatientID: 'P2', StudyDate: '2015-08-11', AccessionNumber: null, modalities: ['DX'] },
  c: { PatientID: 'P1', StudyDate: '2015-08-13', AccessionNumber: 'ACC3', modalities: ['CT', 'MR'] },
  d: { PatientID: null, StudyDate: null, AccessionNumber: null, modalities: ['SR'] },
  e: { PatientID: 'P3', StudyDate: '2023-02-23', AccessionNumber: 'ACC5', modalities: ['CTX'] },
  f: { PatientID: 'P1', StudyDate: '1995-09-03', AccessionNumber: 'ACC6', modalities: ['MR'] },
};
const uidOf = (label: Label) => `1.2.826.0.1.3680043.10.${label.charCodeAt(0)}`;

/** What the catalogue keeps of a delivery's answer: only its shape matters here. */
const answer = (deliveryId: string, disposition: 'stored' | 'rejected'): DescribeResult => ({
  studyId: deliveryId,
  disposition,
  alreadyStored: false,
  directory: 'x',
  study: null,
  join: null,
  refusal: null,
  warnings: [],
  files: { originals: [], metadata: null, validationLog: 'x' },
  events: [],
});

/**
 * The catalogue's page of GET /studies, on its own (no HTTP, no files): studies newest first by the
 * delivery that created each, a cursor to go on, filters on the indexed study attributes.
 */
describe('Catalogue.list', () => {
  let dir: string;
  let catalogue: Catalogue;
  const firstDelivery = {} as Record<Label, string>;
  const rejected: string[] = [];
  /** Labels, newest first. */
  const newestFirst = (Object.keys(STUDIES) as Label[]).reverse();

  const join = (label: Label, deliveryId: string) => {
    const made = STUDIES[label];
    const sections = {
      patient: { PatientID: made.PatientID },
      study: { StudyInstanceUID: uidOf(label), StudyDate: made.StudyDate, AccessionNumber: made.AccessionNumber },
    } as unknown as StudySections;
    const summary = {
      StudyInstanceUID: uidOf(label),
      PatientID: made.PatientID,
      StudyDate: made.StudyDate,
      AccessionNumber: made.AccessionNumber,
      modalities: made.modalities,
      numberOfSeries: made.modalities.length,
      numberOfInstances: 1,
      totalBytes: 10,
    };
    catalogue.transaction(() =>
      catalogue.joinStudy(
        uidOf(label),
        {
          deliveryId,
          receivedAt: 't',
          describedAt: 't',
          sections,
          series: [],
          added: [],
          moved: [],
          result: answer(deliveryId, 'stored'),
          log: '',
        },
        summary,
      ),
    );
  };
  const ids = (query: Partial<StudyQueryFilter>) => catalogue.list({ limit: 100, ...query }).studies.map((study) => study.id);
  const uids = (labels: Label[]) => labels.map(uidOf);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-catalogue-'));
    catalogue = new Catalogue(path.join(dir, 'descriptor.db'));
    for (const label of Object.keys(STUDIES) as Label[]) {
      firstDelivery[label] = newStudyId();
      join(label, firstDelivery[label]);
      // A rejected delivery between each two studies: another list, which never mixes with this one.
      const id = newStudyId();
      catalogue.recordDelivery(
        { deliveryId: id, studyUid: null, disposition: 'rejected', result: answer(id, 'rejected') },
        { receivedAt: 't', describedAt: 't', log: '' },
        {
          StudyInstanceUID: null,
          PatientID: 'P1',
          StudyDate: null,
          AccessionNumber: null,
          modalities: [],
          numberOfSeries: 0,
          numberOfInstances: 0,
        },
      );
      rejected.unshift(id);
    }
    // A later delivery joins the oldest study: it keeps its place, the list follows the first delivery.
    join('a', newStudyId());
    catalogue.markStable(uidOf('c'), firstDelivery.c, 'log', 't');
    // Listed stable once its documents are written, not before.
    expect(catalogue.find(uidOf('c'))!.state).toBe('receiving');
    catalogue.documentsWritten(uidOf('c'), firstDelivery.c);
  });
  afterAll(async () => {
    catalogue.close();
    await rm(dir, { recursive: true, force: true });
  });

  describe('when nothing is asked', () => {
    it('then it lists every study once, newest first by the delivery that created it, and no rejected delivery', () => {
      expect(ids({})).toEqual(uids(newestFirst));
      expect(catalogue.list({ limit: 100 }).nextCursor).toBeNull();
    });
  });

  describe('when the list is paged', () => {
    it('then following nextCursor walks every study once, in the same order, and the last page has no cursor', () => {
      const walked: string[] = [];
      const cursors: (string | null)[] = [];
      let cursor: string | undefined;
      for (let pages = 0; pages < 10; pages++) {
        const page = catalogue.list({ limit: 4, cursor });
        expect(page.studies.length).toBeLessThanOrEqual(4);
        walked.push(...page.studies.map((study) => study.id));
        cursors.push(page.nextCursor);
        if (page.nextCursor === null) break;
        cursor = page.nextCursor;
      }
      expect(walked).toEqual(uids(newestFirst));
      // The cursor is the first delivery of the last study of the page.
      expect(cursors).toEqual([firstDelivery.c, null]);
    });

    it('then a page size of exactly the number of studies gives one page without a cursor', () => {
      expect(catalogue.list({ limit: 6 })).toMatchObject({ nextCursor: null, studies: { length: 6 } });
      expect(catalogue.list({ limit: 5 }).nextCursor).toBe(firstDelivery.b);
    });

    it('then the rejected deliveries page the same way, by their own ids', () => {
      const first = catalogue.list({ limit: 4, state: 'rejected' });
      expect(first.studies.map((study) => study.id)).toEqual(rejected.slice(0, 4));
      expect(first.studies.every((study) => study.state === 'rejected')).toBe(true);
      const second = catalogue.list({ limit: 4, state: 'rejected', cursor: first.nextCursor! });
      expect(second.studies.map((study) => study.id)).toEqual(rejected.slice(4));
      expect(second.nextCursor).toBeNull();
    });

    it('then a filter kept along the walk gives its matches only, each once', () => {
      const first = catalogue.list({ limit: 2, PatientID: 'P1' });
      const second = catalogue.list({ limit: 2, PatientID: 'P1', cursor: first.nextCursor! });
      expect([...first.studies, ...second.studies].map((study) => study.id)).toEqual(uids(['f', 'c', 'a']));
      expect(second.nextCursor).toBeNull();
    });
  });

  describe('when filtered', () => {
    it.each([
      [{ PatientID: 'P1' }, ['f', 'c', 'a']],
      [{ PatientID: 'p1' }, []],
      [{ PatientID: 'P' }, []],
      [{ AccessionNumber: 'ACC3' }, ['c']],
      [{ StudyDate: { from: '2015-08-11', to: '2015-08-13' } }, ['c', 'b']],
      [{ StudyDate: { from: '2015-08-12', to: null } }, ['e', 'c']],
      [{ StudyDate: { from: null, to: '2004-01-19' } }, ['f', 'a']],
      [{ StudyDate: { from: '2004-01-19', to: '2004-01-19' } }, ['a']],
      [{ StudyDate: { from: '0001-01-01', to: null } }, ['f', 'e', 'c', 'b', 'a']],
      [{ ModalitiesInStudy: new Set(['MR']) }, ['f', 'c']],
      [{ ModalitiesInStudy: new Set(['CT']) }, ['c', 'a']],
      [{ ModalitiesInStudy: new Set(['DX', 'SR']) }, ['d', 'b']],
      [{ ModalitiesInStudy: new Set(['C']) }, []],
      // A Code String may hold an underscore (PS3.5 §6.2): it is a letter here, not LIKE's any-one-character.
      [{ ModalitiesInStudy: new Set(['C_']) }, []],
      [{ ModalitiesInStudy: new Set(['CT_']) }, []],
      [{ state: 'stable' as const }, ['c']],
      [{ state: 'receiving' as const }, ['f', 'e', 'd', 'b', 'a']],
      [{ state: 'stable' as const, PatientID: 'P2' }, []],
      [{ PatientID: 'P1', ModalitiesInStudy: new Set(['CT']), StudyDate: { from: '2010-01-01', to: null } }, ['c']],
    ] as [Partial<StudyQueryFilter>, Label[]][])('then %o lists exactly its matches, newest first', (query, expected) => {
      expect(ids(query)).toEqual(uids(expected));
    });

    it('then each listed study carries its state, counts and summary', () => {
      const [c] = catalogue.list({ limit: 1, AccessionNumber: 'ACC3' }).studies;
      expect(c).toMatchObject({
        id: uidOf('c'),
        state: 'stable',
        summary: {
          StudyInstanceUID: uidOf('c'),
          PatientID: 'P1',
          StudyDate: '2015-08-13',
          AccessionNumber: 'ACC3',
          modalities: ['CT', 'MR'],
          numberOfSeries: 2,
          numberOfInstances: 1,
        },
        hasMetadata: true,
      });
    });
  });
});
