import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DescribeResultSchema, newStudyId, readWorkTally, type DescribeResult } from '@dsv/common';
import request from 'supertest';
import { corpusPath } from '../../../test/support/corpus.ts';
import { corpusSuite } from '../../../test/support/corpus-suite.ts';
import { asUpload, describeRequest, invalidReport } from '../support/describe-request.ts';
import { createTestDescriptor, listTree, postStudy, type TestDescriptor } from '../support/descriptor-app.ts';
import { readerFor } from '../support/inspect-bytes.ts';
import { referenceValues } from '../support/reference-values.ts';

/** A CT series of the corpus, 12 of its slices: delivered one file per request. */
const SLICES = Array.from({ length: 12 }, (_, index) => `valid/synthetic/ct-512-explicit-le/CT_${String(index + 1).padStart(4, '0')}.dcm`);
/** A small real CT study of 4 instances (PatientID 77654033, PatientName Doe^Archibald, Manufacturer GE MEDICAL SYSTEMS). */
const HEAD = ['17106.dcm', '17136.dcm', '17166.dcm', '17196.dcm'].map((name) => `valid/studies/pcir-ct-head/${name}`);

/**
 * A study is the unit of the archive: deliveries (one POST each, a ULID each) join the folder
 * studies/<StudyInstanceUID>/, judged against what the catalogue holds.
 */
corpusSuite('deliveries joining their DICOM study', () => {
  const sliceUid = referenceValues(SLICES[0]!)('StudyInstanceUID');
  const headUid = referenceValues(HEAD[0]!)('StudyInstanceUID');
  const sopOf = (relative: string) => referenceValues(relative)('SOPInstanceUID');

  let descriptor: TestDescriptor;
  beforeEach(async () => {
    descriptor = await createTestDescriptor();
  });
  afterEach(() => descriptor.remove());

  const studyDir = (uid: string) => path.join(descriptor.config.studiesDir, uid);
  /** Every slice under originals/<SOPInstanceUID>.dcm, byte for byte, and no original.dcm left. */
  const expectSlicesStored = async (): Promise<void> => {
    const tree = await listTree(studyDir(sliceUid));
    expect(tree).not.toContain('original.dcm');
    expect(tree.filter((entry) => entry.startsWith('originals/'))).toEqual(
      SLICES.map((relative) => `originals/${sopOf(relative)}.dcm`).sort(),
    );
    for (const relative of SLICES) {
      expect(
        (await readFile(path.join(studyDir(sliceUid), 'originals', `${sopOf(relative)}.dcm`))).equals(await readFile(corpusPath(relative))),
      ).toBe(true);
    }
  };
  /** One delivery of these files (absolute paths), as the gateway sends it; its answer checked against the contract. */
  const deliver = async (
    sources: readonly string[],
    id = newStudyId(),
  ): Promise<{ id: string; status: number; result: DescribeResult }> => {
    const files = asUpload(sources);
    const response = await postStudy(descriptor.app, describeRequest(id, files), files);
    if (response.status !== 201 && response.status !== 200)
      throw new Error(`delivery answered ${response.status}: ${JSON.stringify(response.body)}`);
    return { id, status: response.status, result: DescribeResultSchema.parse(response.body) };
  };
  const readMetadata = async (uid: string) => JSON.parse(await readFile(path.join(studyDir(uid), 'metadata.json'), 'utf8'));
  /** Every file of a folder with its bytes: what "untouched" compares. */
  const snapshot = async (dir: string) =>
    Promise.all(
      (await listTree(dir))
        .filter((entry) => !entry.startsWith('originals') || entry.endsWith('.dcm'))
        .map(async (entry) => {
          const full = path.join(dir, entry);
          return [entry, entry === 'originals' ? null : (await readFile(full)).toString('base64')] as const;
        }),
    );
  /**
   * A copy of a corpus file with one text value changed to another of the same length: still parseable,
   * same SOP Instance UID and transfer syntax, other bytes.
   */
  const variant = async (relative: string, from: string, to: string): Promise<string> => {
    expect(to).toHaveLength(from.length);
    const bytes = await readFile(corpusPath(relative));
    const at = bytes.indexOf(Buffer.from(from, 'latin1'));
    expect(at).toBeGreaterThan(132);
    expect(bytes.indexOf(Buffer.from(from, 'latin1'), at + 1)).toBe(-1);
    const changed = Buffer.from(bytes);
    changed.write(to, at, 'latin1');
    const dir = path.join(descriptor.dir, 'variants');
    await mkdir(dir, { recursive: true });
    const target = path.join(dir, `${path.basename(relative, '.dcm')}-${to.replace(/\W/g, '_')}.dcm`);
    await writeFile(target, changed);
    expect(readerFor(target).text('SOPInstanceUID')).toBe(sopOf(relative));
    return target;
  };

  describe('when a study arrives one file per delivery', () => {
    it('then it ends in one folder studies/<uid>/originals/*.dcm whose metadata.json lists every instance, each with its delivery', async () => {
      const ids: string[] = [];
      for (const [index, relative] of SLICES.entries()) {
        const { id, result } = await deliver([corpusPath(relative)]);
        ids.push(id);
        expect(result).toMatchObject({ disposition: 'stored', refusal: null, join: { added: 1, duplicates: [], reencoded: [] } });
        expect(result.study).toEqual({ StudyInstanceUID: sliceUid, state: 'receiving', numberOfSeries: 1, numberOfInstances: index + 1 });
        // One instance is original.dcm; the second moves it into originals/.
        if (index === 0) expect((await listTree(studyDir(sliceUid))).filter((entry) => entry.endsWith('.dcm'))).toEqual(['original.dcm']);
      }

      await expectSlicesStored();
      const metadata = await readMetadata(sliceUid);
      expect(metadata).toMatchObject({
        studyId: sliceUid,
        state: 'receiving',
        deliveries: ids,
        summary: { numberOfSeries: 1, numberOfInstances: 12 },
      });
      expect(metadata.instances).toHaveLength(12);
      const deliveryOf = new Map(
        metadata.instances.map((instance: { SOPInstanceUID: string; deliveryId: string }) => [
          instance.SOPInstanceUID,
          instance.deliveryId,
        ]),
      );
      expect(SLICES.map((relative) => deliveryOf.get(sopOf(relative)))).toEqual(ids);
      expect(metadata.instances.map((instance: { path: string }) => instance.path).sort()).toEqual(
        SLICES.map((relative) => `originals/${sopOf(relative)}.dcm`).sort(),
      );
      const log = await readFile(path.join(studyDir(sliceUid), 'validation.log'), 'utf8');
      expect(log.match(/^Delivery \S+$/gm)).toEqual(ids.map((id) => `Delivery ${id}`));
    });

    it('then GET /studies lists it once, with the counts of all its deliveries', async () => {
      for (const relative of SLICES.slice(0, 5)) await deliver([corpusPath(relative)]);
      const { body } = await request(descriptor.app).get('/studies').expect(200);
      expect(body.studies).toHaveLength(1);
      expect(body.studies[0]).toMatchObject({
        id: sliceUid,
        state: 'receiving',
        summary: { StudyInstanceUID: sliceUid, modalities: ['CT'], numberOfSeries: 1, numberOfInstances: 5 },
      });
      const one = await request(descriptor.app).get(`/studies/${sliceUid}`).expect(200);
      expect(one.body.files).toHaveLength(5);
    });
  });

  describe('when the deliveries of one study arrive at the same time', () => {
    it('then they join it one after the other (the study lock): one folder holds them all, counted exactly', async () => {
      const answers = await Promise.all(SLICES.map((relative) => deliver([corpusPath(relative)])));

      expect(answers.map((answer) => answer.status)).toEqual(SLICES.map(() => 201));
      expect(answers.map((answer) => answer.result.join?.added)).toEqual(SLICES.map(() => 1));
      // Each join saw every one before it: the counts they answered are 1..12, in some order.
      expect(answers.map((answer) => answer.result.study!.numberOfInstances).sort((a, b) => a - b)).toEqual(
        SLICES.map((_, index) => index + 1),
      );
      await expectSlicesStored();
      const metadata = await readMetadata(sliceUid);
      expect(metadata.summary.numberOfInstances).toBe(12);
      expect(metadata.deliveries).toEqual(answers.map((answer) => answer.id).sort());
      expect(descriptor.catalogue.study(sliceUid)).toMatchObject({ numberOfInstances: 12, numberOfSeries: 1 });
      expect(descriptor.catalogue.counts()).toEqual({ studies: 1, instances: 12, rejected: 0 });
      expect(await listTree(path.join(descriptor.config.studiesDir, '.incoming'))).toEqual([]);
    });
  });

  describe('when the same files are delivered again under a new delivery id', () => {
    it('then nothing is stored twice: join.duplicates lists them, join.added is 0, the instance count is unchanged', async () => {
      const first = await deliver(HEAD.map(corpusPath));
      const before = await snapshot(path.join(studyDir(headUid), 'originals'));

      const again = await deliver(HEAD.map(corpusPath));

      expect(again.status).toBe(201);
      expect(again.result).toMatchObject({ disposition: 'stored', alreadyStored: false, refusal: null, warnings: [] });
      expect(again.result.join).toEqual({ added: 0, duplicates: HEAD.map(sopOf), reencoded: [] });
      expect(again.result.files.originals).toEqual([]);
      expect(again.result.study).toMatchObject({ StudyInstanceUID: headUid, numberOfInstances: 4 });
      expect(await snapshot(path.join(studyDir(headUid), 'originals'))).toEqual(before);
      const metadata = await readMetadata(headUid);
      expect(metadata.summary.numberOfInstances).toBe(4);
      // The instances stay the first delivery's.
      expect(new Set(metadata.instances.map((instance: { deliveryId: string }) => instance.deliveryId))).toEqual(new Set([first.id]));
      expect(descriptor.catalogue.counts()).toEqual({ studies: 1, instances: 4, rejected: 0 });
      expect(await readFile(path.join(studyDir(headUid), 'validation.log'), 'utf8')).toContain('Joined:       0 added, 4 already stored');
    });

    it('then a delivery of old and new instances adds only the new ones', async () => {
      await deliver(HEAD.slice(0, 2).map(corpusPath));
      const mixed = await deliver(HEAD.slice(1).map(corpusPath));
      expect(mixed.result.join).toEqual({ added: 2, duplicates: [sopOf(HEAD[1]!)], reencoded: [] });
      expect(mixed.result.files.originals.map((original) => original.SOPInstanceUID)).toEqual(HEAD.slice(2).map(sopOf));
      expect(mixed.result.study?.numberOfInstances).toBe(4);
    });
  });

  describe('when an instance comes again with other bytes (same SOP Instance UID, same transfer syntax)', () => {
    const refusedLike = (result: DescribeResult, id: string, heldBy: string, uid: string) => {
      // The study that refused it, as it is (untouched).
      expect(result).toMatchObject({
        studyId: id,
        disposition: 'rejected',
        study: { StudyInstanceUID: headUid, state: 'receiving' },
        join: null,
      });
      expect(result.study!.numberOfInstances).toBe(descriptor.catalogue.study(headUid)!.numberOfInstances);
      expect(result.refusal).toMatchObject({ code: 'INSTANCE_CONFLICT', conflicts: [{ file: '0001.dcm', SOPInstanceUID: uid, heldBy }] });
      expect(result.directory).toMatch(new RegExp(`rejected/${id}$`));
    };

    it('then the delivery is refused INSTANCE_CONFLICT, kept under rejected/<id>/, and the study is untouched', async () => {
      const first = await deliver(HEAD.map(corpusPath));
      const before = await snapshot(studyDir(headUid));
      const changed = await variant(HEAD[3]!, 'GE MEDICAL SYSTEMS', 'GE MEDICAL SYSTEMZ');

      const refused = await deliver([changed]);

      expect(refused.status).toBe(201);
      refusedLike(refused.result, refused.id, first.id, sopOf(HEAD[3]!));
      const kept = path.join(descriptor.config.rejectedDir, refused.id);
      expect(await listTree(kept)).toEqual(['files', 'files/0001.dcm', 'metadata.json', 'validation.log']);
      expect((await readFile(path.join(kept, 'files', '0001.dcm'))).equals(await readFile(changed))).toBe(true);
      const log = await readFile(path.join(kept, 'validation.log'), 'utf8');
      expect(log.split('\n')[0]).toBe(`Delivery ${refused.id}`);
      expect(log).toContain('Outcome:      INSTANCE_CONFLICT');
      expect(log).toMatch(/^ERROR\s+sop-instance-conflict\s/m);
      expect(await snapshot(studyDir(headUid))).toEqual(before);
      expect(descriptor.catalogue.study(headUid)).toMatchObject({ numberOfInstances: 4, lastDeliveryId: first.id });
      const listed = await request(descriptor.app).get('/studies?state=rejected').expect(200);
      expect(listed.body.studies.map((study: { id: string }) => study.id)).toEqual([refused.id]);
    });

    it('then, whatever order the versions came in, the second is refused: the changed one first, the original after', async () => {
      const changed = await variant(HEAD[3]!, 'GE MEDICAL SYSTEMS', 'GE MEDICAL SYSTEMZ');
      const first = await deliver([changed]);
      expect(first.result.disposition).toBe('stored');
      const before = await snapshot(studyDir(headUid));

      const refused = await deliver([corpusPath(HEAD[3]!)]);

      refusedLike(refused.result, refused.id, first.id, sopOf(HEAD[3]!));
      expect(await snapshot(studyDir(headUid))).toEqual(before);
      expect((await readFile(path.join(studyDir(headUid), 'original.dcm'))).equals(await readFile(changed))).toBe(true);
    });

    it('then nothing of a refused delivery joins: its new instances are refused with the conflicting one', async () => {
      const first = await deliver(HEAD.slice(0, 3).map(corpusPath));
      const changed = await variant(HEAD[0]!, 'GE MEDICAL SYSTEMS', 'GE MEDICAL SYSTEMZ');

      const refused = await deliver([corpusPath(HEAD[3]!), changed]);

      expect(refused.result.refusal).toMatchObject({
        code: 'INSTANCE_CONFLICT',
        conflicts: [{ file: '0002.dcm', SOPInstanceUID: sopOf(HEAD[0]!), heldBy: first.id }],
      });
      expect(descriptor.catalogue.study(headUid)?.numberOfInstances).toBe(3);
      expect(await listTree(path.join(studyDir(headUid), 'originals'))).not.toContain(`${sopOf(HEAD[3]!)}.dcm`);
      expect(await listTree(path.join(descriptor.config.rejectedDir, refused.id, 'files'))).toEqual(['0001.dcm', '0002.dcm']);
    });

    it('then the retry of the refused delivery is answered 200 from its record, with the same refusal', async () => {
      await deliver(HEAD.map(corpusPath));
      const changed = await variant(HEAD[3]!, 'GE MEDICAL SYSTEMS', 'GE MEDICAL SYSTEMZ');
      const refused = await deliver([changed]);

      const retry = await deliver([changed], refused.id);

      expect(retry.status).toBe(200);
      expect(retry.result).toMatchObject({
        alreadyStored: true,
        disposition: 'rejected',
        refusal: refused.result.refusal,
        files: refused.result.files,
      });
    });
  });

  describe('when an instance comes again in another transfer syntax (MR_small, then MR_small_implicit: one data set, two encodings)', () => {
    const [explicit, implicit] = ['valid/samples/MR_small.dcm', 'valid/samples/MR_small_implicit.dcm'];

    it('then with storage.onReencoded keep-first the stored encoding stays, and the delivery says so with a warning', async () => {
      const first = await deliver([corpusPath(explicit)]);
      const uid = first.result.study!.StudyInstanceUID;
      const again = await deliver([corpusPath(implicit)]);
      expect(again.result).toMatchObject({ disposition: 'stored', refusal: null, study: { StudyInstanceUID: uid, numberOfInstances: 1 } });
      expect(again.result.join).toEqual({
        added: 0,
        duplicates: [],
        reencoded: [
          { SOPInstanceUID: sopOf(explicit), storedTransferSyntax: '1.2.840.10008.1.2.1', deliveredTransferSyntax: '1.2.840.10008.1.2' },
        ],
      });
      expect(again.result.warnings).toEqual([
        expect.objectContaining({ severity: 'warning', code: 'sop-instance-reencoded', file: '0001.dcm' }),
      ]);
      expect((await readFile(path.join(studyDir(uid), 'original.dcm'))).equals(await readFile(corpusPath(explicit)))).toBe(true);
    });

    it('then with storage.onReencoded refuse it is refused INSTANCE_CONFLICT', async () => {
      await descriptor.remove();
      descriptor = await createTestDescriptor({}, { storage: { onReencoded: 'refuse' } });
      const first = await deliver([corpusPath(explicit)]);
      const again = await deliver([corpusPath(implicit)]);
      expect(again.result).toMatchObject({
        disposition: 'rejected',
        refusal: { code: 'INSTANCE_CONFLICT', conflicts: [{ SOPInstanceUID: sopOf(explicit), heldBy: first.id }] },
      });
    });
  });

  describe('when one delivery arrives several times at once (retries overtaking their first call)', () => {
    const atOnce = async (id: string, sources: readonly string[], report?: Parameters<typeof describeRequest>[2]) => {
      const files = asUpload(sources);
      return Promise.all([0, 1, 2].map(() => postStudy(descriptor.app, describeRequest(id, files, report), files)));
    };

    it('then a valid one joins once: one answer 201, the others 200 from its record', async () => {
      const id = newStudyId();
      const answers = await atOnce(id, HEAD.map(corpusPath));
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 200, 201]);
      expect(new Set(answers.map((answer) => JSON.stringify(answer.body.files)))).toHaveProperty('size', 1);
      expect(descriptor.catalogue.counts()).toEqual({ studies: 1, instances: 4, rejected: 0 });
    });

    it('then a refused one is kept once under rejected/<id>/: one answer 201, the others 200 with the same refusal', async () => {
      await deliver(HEAD.map(corpusPath));
      const changed = await variant(HEAD[3]!, 'GE MEDICAL SYSTEMS', 'GE MEDICAL SYSTEMZ');
      const id = newStudyId();
      const answers = await atOnce(id, [changed]);
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 200, 201]);
      expect(answers.map((answer) => answer.body.refusal?.code)).toEqual(['INSTANCE_CONFLICT', 'INSTANCE_CONFLICT', 'INSTANCE_CONFLICT']);
      expect(await listTree(path.join(descriptor.config.rejectedDir, id, 'files'))).toEqual(['0001.dcm']);
      expect(descriptor.catalogue.delivery(id)).toMatchObject({ disposition: 'rejected' });
      expect(await listTree(path.join(descriptor.config.rejectedDir, '.incoming'))).toEqual([]);
    });

    it('then an invalid one is kept once as well', async () => {
      const id = newStudyId();
      const report = invalidReport(id, [{ severity: 'error', code: 'not-dicom', message: 'refused for the test', file: '0001.dcm' }]);
      const answers = await atOnce(id, [corpusPath('invalid/single/text-named-dcm.dcm')], report);
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 200, 201]);
      expect(descriptor.catalogue.counts()).toEqual({ studies: 0, instances: 0, rejected: 1 });
    });
  });

  describe('when a delivery names another patient than its study', () => {
    it('then another PatientID is refused INCONSISTENT_PATIENT, kept under rejected/<id>/, and the study is untouched', async () => {
      await deliver(HEAD.slice(0, 3).map(corpusPath));
      const before = await snapshot(studyDir(headUid));
      const other = await variant(HEAD[3]!, '77654033', '77654034');

      const refused = await deliver([other]);

      expect(refused.result).toMatchObject({
        disposition: 'rejected',
        study: { StudyInstanceUID: headUid, numberOfInstances: 3 },
        refusal: { code: 'INCONSISTENT_PATIENT' },
      });
      expect(await listTree(path.join(descriptor.config.rejectedDir, refused.id, 'files'))).toEqual(['0001.dcm']);
      const log = await readFile(path.join(descriptor.config.rejectedDir, refused.id, 'validation.log'), 'utf8');
      expect(log).toMatch(/^ERROR\s+study-patient-mismatch\s/m);
      // The message names the attribute, never the patient's values.
      expect(log).not.toContain('77654034');
      expect(await snapshot(studyDir(headUid))).toEqual(before);
      expect(descriptor.catalogue.study(headUid)?.numberOfInstances).toBe(3);
    });

    it('then another PatientName alone is stored, with a study-patient-details-differ warning, and the stored name kept', async () => {
      await deliver(HEAD.slice(0, 3).map(corpusPath));
      const renamed = await variant(HEAD[3]!, 'Doe^Archibald', 'Doe^Archibalt');

      const joined = await deliver([renamed]);

      expect(joined.result).toMatchObject({ disposition: 'stored', refusal: null, join: { added: 1 } });
      expect(joined.result.warnings).toEqual([
        expect.objectContaining({ severity: 'warning', code: 'study-patient-details-differ', keyword: 'PatientName' }),
      ]);
      expect(joined.result.study?.numberOfInstances).toBe(4);
      const metadata = await readFile(path.join(studyDir(headUid), 'metadata.json'), 'utf8');
      expect(metadata).toContain('Archibald');
      expect(metadata).not.toContain('Archibalt');
      expect(await readFile(path.join(studyDir(headUid), 'validation.log'), 'utf8')).toMatch(/^WARNING\s+study-patient-details-differ\s/m);
    });
  });
  describe('when deliveries of a stored study wait for its lock together', () => {
    /** Holds the study's lock until `deliveries` (started by `start`) all wait for it, then lets them in. */
    const whileHeld = async <T>(uid: string, deliveries: number, start: () => Promise<T>): Promise<T> => {
      let open!: () => void;
      const holding = descriptor.locks.run(uid, () => new Promise<void>((resolve) => (open = resolve)));
      const answers = start();
      await vi.waitFor(() => expect(descriptor.locks.queued(uid)).toBe(deliveries));
      open();
      await holding;
      return answers;
    };

    it('then they join in one transaction, each answered with the count its join left', async () => {
      await deliver([corpusPath(SLICES[0]!)]);
      const before = readWorkTally().dbCommits;

      const answers = await whileHeld(sliceUid, 11, () => Promise.all(SLICES.slice(1).map((relative) => deliver([corpusPath(relative)]))));

      expect(answers.map((answer) => answer.result.join?.added)).toEqual(SLICES.slice(1).map(() => 1));
      expect(answers.map((answer) => answer.result.study!.numberOfInstances).sort((a, b) => a - b)).toEqual(
        SLICES.slice(1).map((_, index) => index + 2),
      );
      // One commit for the eleven joins, and the documents' own (rewrites coalesce: two at most).
      expect(readWorkTally().dbCommits - before).toBeLessThanOrEqual(3);
      await expectSlicesStored();
      expect(descriptor.catalogue.study(sliceUid)).toMatchObject({ numberOfInstances: 12, numberOfSeries: 1 });
      expect((await readMetadata(sliceUid)).summary.numberOfInstances).toBe(12);
    });

    it('then of two versions of one new instance one is stored and the other refused INSTANCE_CONFLICT, and the rest join', async () => {
      const first = await deliver(HEAD.slice(0, 2).map(corpusPath));
      const changed = await variant(HEAD[3]!, 'GE MEDICAL SYSTEMS', 'GE MEDICAL SYSTEMZ');

      const [third, original, other] = await whileHeld(headUid, 3, () =>
        Promise.all([deliver([corpusPath(HEAD[2]!)]), deliver([corpusPath(HEAD[3]!)]), deliver([changed])]),
      );

      expect(third.result).toMatchObject({ disposition: 'stored', join: { added: 1 } });
      const versions = [original, other];
      const stored = versions.filter((answer) => answer.result.disposition === 'stored');
      const refused = versions.filter((answer) => answer.result.disposition === 'rejected');
      expect(stored).toHaveLength(1);
      expect(refused).toHaveLength(1);
      expect(refused[0]!.result.refusal).toMatchObject({
        code: 'INSTANCE_CONFLICT',
        conflicts: [{ file: '0001.dcm', SOPInstanceUID: sopOf(HEAD[3]!), heldBy: stored[0]!.id }],
      });
      const kept = stored[0] === original ? corpusPath(HEAD[3]!) : changed;
      expect((await readFile(path.join(studyDir(headUid), 'originals', `${sopOf(HEAD[3]!)}.dcm`))).equals(await readFile(kept))).toBe(true);
      expect(descriptor.catalogue.study(headUid)).toMatchObject({ numberOfInstances: 4 });
      const metadata = await readMetadata(headUid);
      expect(metadata.summary.numberOfInstances).toBe(4);
      expect(metadata.deliveries).toEqual([first.id, third.id, stored[0]!.id].sort());
    });
  });
});
