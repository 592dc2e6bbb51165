import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  AppError,
  createEventBus,
  createLogger,
  EventTypes,
  newStudyId,
  type DescribeRequest,
  type DescribeResult,
  type Finding,
  type InstanceConflict,
  type ValidationReport,
} from '@dsv/common';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DescriptorClient } from '../../src/clients/descriptor-client.ts';
import type { ValidatorClient } from '../../src/clients/validator-client.ts';
import type { GatewayData } from '../../src/data/gateway-data.ts';
import { openGatewayDb } from '../../src/data/gateway-db.ts';
import { StatusStore } from '../../src/domain/status-store.ts';
import { StudyPipeline } from '../../src/domain/study-pipeline.ts';
import type { StudyState } from '../../src/domain/study-status.ts';
import { StagingFolders } from '../../src/upload/staging-folders.ts';
import { newStatus } from '../study-status.ts';

const STUDY = '1.2.826.0.1.3680043.8.498.1';
const STABLE_AFTER_MS = 10_000;

/** What the fake validator reads in a staged file, by its sha256. */
interface FakeInstance {
  uid: string;
  sha: string;
  patient?: string;
  valid?: boolean;
}

/**
 * The pipeline between a fake validator and a fake descriptor (the HTTP clients stubbed): the descriptor
 * keeps per study the bytes of each SOP Instance UID and its patient, and judges a valid delivery as
 * the contract says: duplicates, conflicts (409), another patient (422).
 */
describe('StudyPipeline', () => {
  let dir: string;
  let data: GatewayData;
  let store: StatusStore;
  let files: Map<string, FakeInstance>;
  let held: Map<string, { patient: string; instances: Map<string, { sha: string; by: string }> }>;
  let answered: Map<string, DescribeResult>;
  let described: DescribeRequest[];
  let descriptorFails: boolean;
  let descriptorGate: Promise<void>;
  let joinWarnings: Finding[];
  let joined: number;

  const logger = createLogger('gateway', 'silent');
  const validator: ValidatorClient = {
    async validate({ studyId, files: names }) {
      const status = (await store.get(studyId))!;
      const read = names.map((file) => ({ file, ...files.get(status.upload.files.find((f) => f.file === file)!.sha256)! }));
      const valid = read.every((f) => f.valid !== false);
      const report: ValidationReport = {
        studyId,
        valid,
        outcome: valid ? null : { code: 'STUDY_INVALID', httpStatus: 422 },
        instances: read.map((f) => ({
          file: f.file,
          sizeBytes: 1,
          readable: true,
          SOPInstanceUID: f.uid,
          StudyInstanceUID: STUDY,
          SeriesInstanceUID: `${STUDY}.1`,
          Modality: 'CT',
        })),
        errors: valid ? [] : [{ severity: 'error', code: 'missing-type1', message: 'Modality is missing', file: '0001.dcm' }],
        warnings: [],
        events: [],
      };
      return report;
    },
    studyChecks: () => Promise.reject(new Error('not used by the pipeline')),
  };
  const descriptor: DescriptorClient = {
    async describe(request) {
      await descriptorGate;
      if (descriptorFails) throw new AppError('PROCESSING_FAILED', 'The descriptor answered 500');
      described.push(request);
      const before = answered.get(request.studyId);
      if (before) return { ...before, alreadyStored: true };
      const result = judge(request);
      answered.set(request.studyId, result);
      return result;
    },
    studyInstances: () => Promise.reject(new Error('not used by the pipeline')),
    markStable: () => Promise.reject(new Error('not used by the pipeline')),
  };

  function judge(request: DescribeRequest): DescribeResult {
    const base = {
      studyId: request.studyId,
      alreadyStored: false,
      files: { originals: [], metadata: null, validationLog: 'validation.log' },
      events: [],
      warnings: [] as Finding[],
    };
    const rejected = (refusal: DescribeResult['refusal']): DescribeResult => ({
      ...base,
      disposition: 'rejected',
      directory: `rejected/${request.studyId}`,
      study: refusal ? studyOf() : null,
      join: null,
      refusal,
    });
    if (request.disposition === 'rejected') return rejected(null);
    const incoming = request.files.map((f) => ({ file: f.file, ...files.get(f.sha256!)! }));
    const patient = incoming[0]!.patient ?? 'P1';
    const study = held.get(STUDY);
    if (study && study.patient !== patient)
      return rejected({ code: 'INCONSISTENT_PATIENT', message: 'The stored study belongs to another patient' });
    const conflicts: InstanceConflict[] = incoming
      .filter((f) => study?.instances.has(f.uid) && study.instances.get(f.uid)!.sha !== f.sha)
      .map((f) => ({ file: f.file, SOPInstanceUID: f.uid, heldBy: study!.instances.get(f.uid)!.by }));
    if (conflicts.length > 0)
      return rejected({ code: 'INSTANCE_CONFLICT', message: `${conflicts.length} instance(s) held with other bytes`, conflicts });
    const target = study ?? { patient, instances: new Map() };
    held.set(STUDY, target);
    const duplicates = incoming.filter((f) => target.instances.has(f.uid)).map((f) => f.uid);
    for (const f of incoming) if (!target.instances.has(f.uid)) target.instances.set(f.uid, { sha: f.sha, by: request.studyId });
    return {
      ...base,
      warnings: joinWarnings,
      disposition: 'stored',
      directory: `studies/${STUDY}`,
      study: studyOf(),
      join: { added: incoming.length - duplicates.length, duplicates, reencoded: [] },
      refusal: null,
    };
  }

  function studyOf() {
    return {
      StudyInstanceUID: STUDY,
      state: 'receiving' as const,
      numberOfSeries: 1,
      numberOfInstances: held.get(STUDY)?.instances.size ?? 0,
    };
  }

  function pipelineFor(): StudyPipeline {
    return new StudyPipeline({
      store,
      events: createEventBus(logger, EventTypes),
      logger,
      validator,
      descriptor,
      stagingDir: path.join(dir, 'staging'),
      concurrency: 4,
      retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
      stableAfterMs: STABLE_AFTER_MS,
      onJoined: () => joined++,
      stagingFolders: new StagingFolders(path.join(dir, 'staging')),
    });
  }

  /** A status as POST /upload creates it, with one staged file per instance. */
  async function accepted(instances: FakeInstance[], state: StudyState = 'received'): Promise<string> {
    const id = newStudyId();
    await mkdir(path.join(dir, 'staging', id), { recursive: true });
    for (const f of instances) files.set(f.sha, f);
    await store.create(
      newStatus(
        id,
        instances.map((f, i) => ({ file: `000${i + 1}.dcm`, clientName: `f${i}.dcm`, sizeBytes: 1, sha256: f.sha })),
        state,
      ),
    );
    return id;
  }

  const database = () => path.join(dir, 'var', 'gateway.db');
  /** The status as the database has it (not the one in memory). */
  const written = (id: string) => data.readStatus(id);

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-pipeline-'));
    data = openGatewayDb(database());
    store = new StatusStore(data);
    await store.open();
    files = new Map();
    held = new Map();
    answered = new Map();
    described = [];
    descriptorFails = false;
    descriptorGate = Promise.resolve();
    joinWarnings = [];
    joined = 0;
  });
  afterEach(async () => {
    await data.close();
    await rm(dir, { recursive: true, force: true });
  });

  describe('when a valid delivery joins its study', () => {
    it('then it is stored 201 STORED, its status links the study and says what the join did, and the study is receiving until stableAfterSeconds from now', async () => {
      const pipeline = pipelineFor();
      const id = await accepted([
        { uid: '2.25.1', sha: 'a1' },
        { uid: '2.25.2', sha: 'a2' },
      ]);
      const before = Date.now();
      const final = await pipeline.submit(id);
      expect(final).toMatchObject({
        state: 'stored',
        outcome: { httpStatus: 201, code: 'STORED', message: `The delivery joined study ${STUDY}: 2 instances added, 0 already stored` },
        contents: { StudyInstanceUID: STUDY, modalities: ['CT'], numberOfSeries: 1, numberOfInstances: 2 },
        study: { StudyInstanceUID: STUDY, state: 'receiving', numberOfSeries: 1, numberOfInstances: 2, url: `/studies/${STUDY}` },
        join: { added: 2, duplicates: [], reencoded: [] },
        findings: { errors: 0, warnings: 0 },
      });
      expect(described[0]).toMatchObject({ studyId: id, disposition: 'stored' });
      await pipeline.drain();
      const study = (await data.studyRecord(STUDY))!;
      expect(study).toMatchObject({ lastDeliveryId: id, state: 'receiving', stableAt: null, failures: 0 });
      expect(study.checkAfter - study.lastDeliveryAt).toBe(STABLE_AFTER_MS);
      expect(study.lastDeliveryAt).toBeGreaterThanOrEqual(before);
      expect(joined).toBe(1);
    });

    it('then the same files sent again are a delivery of their own, stored, whose instances are all duplicates', async () => {
      const pipeline = pipelineFor();
      const first = await accepted([
        { uid: '2.25.1', sha: 'a1' },
        { uid: '2.25.2', sha: 'a2' },
      ]);
      await pipeline.submit(first);
      const again = await accepted([
        { uid: '2.25.2', sha: 'a2' },
        { uid: '2.25.1', sha: 'a1' },
      ]);
      const final = await pipeline.submit(again);
      expect(again).not.toBe(first);
      expect(final).toMatchObject({
        state: 'stored',
        outcome: { code: 'STORED', message: `The delivery joined study ${STUDY}: 0 instances added, 2 already stored` },
        join: { added: 0, duplicates: ['2.25.2', '2.25.1'] },
      });
      await pipeline.drain();
      expect(await data.studyRecord(STUDY)).toMatchObject({ lastDeliveryId: again });
    });

    it("then the join's warnings are counted with the validator's", async () => {
      joinWarnings = [
        { severity: 'warning', code: 'sop-instance-reencoded', message: 'stored in another transfer syntax', file: '0001.dcm' },
      ];
      const final = await pipelineFor().submit(await accepted([{ uid: '2.25.3', sha: 'b1' }]));
      expect(final.findings).toMatchObject({ errors: 0, warnings: 1 });
    });
  });

  describe('when the study refuses the delivery', () => {
    it('then instances it holds with other bytes reject it 409 INSTANCE_CONFLICT, with the conflicts in the status, and the study stays as it was', async () => {
      const pipeline = pipelineFor();
      const first = await accepted([
        { uid: '2.25.1', sha: 'a1' },
        { uid: '2.25.2', sha: 'a2' },
      ]);
      await pipeline.submit(first);
      await pipeline.drain();
      const study = await data.studyRecord(STUDY);
      const second = await accepted([
        { uid: '2.25.2', sha: 'a2-changed' },
        { uid: '2.25.3', sha: 'a3' },
      ]);
      const final = await pipeline.submit(second);
      expect(final).toMatchObject({
        state: 'rejected',
        outcome: { httpStatus: 409, code: 'INSTANCE_CONFLICT', message: '1 instance(s) held with other bytes' },
        conflicts: [{ file: '0001.dcm', SOPInstanceUID: '2.25.2', heldBy: first }],
        study: { StudyInstanceUID: STUDY },
        join: null,
      });
      expect(final.events.map((e) => e.type)).toEqual(['study.validated', 'study.rejected']);
      await pipeline.drain();
      expect(await data.studyRecord(STUDY)).toEqual(study);
      expect(joined).toBe(1);
      // The staged files go once the final state is written.
      expect((await readdir(path.join(dir, 'staging'))).filter((name) => !name.startsWith('.'))).toEqual([]);
    });

    it('then another patient rejects it 422 INCONSISTENT_PATIENT, without conflicts', async () => {
      const pipeline = pipelineFor();
      await pipeline.submit(await accepted([{ uid: '2.25.1', sha: 'a1' }]));
      const final = await pipeline.submit(await accepted([{ uid: '2.25.5', sha: 'c1', patient: 'P2' }]));
      expect(final).toMatchObject({ state: 'rejected', outcome: { httpStatus: 422, code: 'INCONSISTENT_PATIENT' } });
      expect(final.conflicts).toBeUndefined();
    });
  });

  describe('when the validator finds errors', () => {
    it("then the delivery goes to rejected/ with the validator's outcome, and no study is touched", async () => {
      const pipeline = pipelineFor();
      const final = await pipeline.submit(await accepted([{ uid: '2.25.6', sha: 'd1', valid: false }]));
      expect(final).toMatchObject({
        state: 'rejected',
        outcome: { httpStatus: 422, code: 'STUDY_INVALID' },
        findings: { errors: 1 },
        study: null,
        join: null,
      });
      expect(described[0]).toMatchObject({ disposition: 'rejected', report: { valid: false } });
      await pipeline.drain();
      expect(await data.studyRecord(STUDY)).toBeUndefined();
    });
  });

  describe('what is written, and when', () => {
    it("then 'validating' and 'describing' stay in memory, the final state is written with its events and its study, and the answer does not wait for that write", async () => {
      const pipeline = pipelineFor();
      let open = (): void => undefined;
      descriptorGate = new Promise((resolve) => (open = resolve));
      const id = await accepted([{ uid: '2.25.20', sha: 'g1' }]);
      const done = pipeline.submit(id);
      await vi.waitFor(() => expect(store.held(id)?.state).toBe('describing'));
      expect((await written(id))!.state).toBe('received');
      expect((await data.readEvents(0, 100)).events.map((e) => e.type)).toEqual([]);
      open();
      expect((await done).state).toBe('stored');
      await pipeline.drain();
      const status = (await written(id))!;
      expect(status).toEqual(await store.get(id));
      expect(status.state).toBe('stored');
      expect((await data.readEvents(0, 100)).events.map(({ seq, ...event }) => event)).toEqual(status.events);
      expect(store.pendingWrites).toBe(0);
      expect(store.inMemory).toBe(0);
    });

    it("then a delivery created in memory only (a C-STORE's, an upload's with ?wait=true) is first written with its final state, once, with its study marked receiving, before submitHeld resolves", async () => {
      const pipeline = pipelineFor();
      const id = newStudyId();
      await mkdir(path.join(dir, 'staging', id), { recursive: true });
      files.set('m1', { uid: '2.25.23', sha: 'm1' });
      await store.create(newStatus(id, [{ file: '0001.dcm', clientName: 'a.dcm', sizeBytes: 1, sha256: 'm1' }], 'received'), {
        persist: false,
      });
      expect(await written(id)).toBeUndefined();
      const writes = vi.spyOn(data, 'writeStatus');
      // submitHeld resolves once the final state is written, not before.
      expect((await pipeline.submitHeld(id)).state).toBe('stored');
      expect((await written(id))!.state).toBe('stored');
      expect(writes).toHaveBeenCalledTimes(1);
      expect(await data.studyRecord(STUDY)).toMatchObject({ lastDeliveryId: id, state: 'receiving' });
      await pipeline.drain();
    });

    it("then the descriptor is told not to wait for the study's documents only when the submit says so (a C-STORE's)", async () => {
      const pipeline = pipelineFor();
      const upload = await accepted([{ uid: '2.25.24', sha: 'n1' }]);
      const instance = await accepted([{ uid: '2.25.25', sha: 'n2' }]);
      expect((await pipeline.submit(upload)).state).toBe('stored');
      expect((await pipeline.submit(instance, { awaitDocuments: false })).state).toBe('stored');
      await pipeline.drain();
      expect(described.map((request) => [request.studyId, request.awaitDocuments])).toEqual([
        [upload, undefined],
        [instance, false],
      ]);
    });

    it("then when the final state cannot be written, the answer stands, the staged files stay, and the database still says 'received' (the next start runs it again)", async () => {
      const pipeline = pipelineFor();
      let open = (): void => undefined;
      descriptorGate = new Promise((resolve) => (open = resolve));
      const id = await accepted([{ uid: '2.25.22', sha: 'k1' }]);
      const done = pipeline.submit(id);
      await vi.waitFor(() => expect(store.held(id)?.state).toBe('describing'));
      // The disk fails from here on (as a full disk would).
      data.writeStatus = () => Promise.reject(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }));
      open();
      expect((await done).state).toBe('stored');
      await pipeline.drain();
      expect((await store.get(id))!.state).toBe('stored');
      expect((await written(id))!.state).toBe('received');
      expect(await data.studyRecord(STUDY)).toBeUndefined();
      expect(existsSync(path.join(dir, 'staging', id))).toBe(true);
      expect(joined).toBe(0);
    });

    it('then a delivery left unfinished runs again at the next start, the descriptor answers alreadyStored, and its study is marked receiving then', async () => {
      const id = await accepted([{ uid: '2.25.9', sha: 'e1' }]);
      // The descriptor had it before a crash; the gateway never wrote more than 'received'.
      answered.set(
        id,
        judge({
          studyId: id,
          disposition: 'stored',
          receivedAt: '',
          files: [{ file: '0001.dcm', clientName: 'f0.dcm', sha256: 'e1' }],
          report: {} as ValidationReport,
        }),
      );
      await data.close();
      data = openGatewayDb(database());
      store = new StatusStore(data);
      const { unfinished } = await store.open();
      expect(unfinished.map((s) => s.id)).toEqual([id]);
      const final = await pipelineFor().resume(id);
      expect(final).toMatchObject({ state: 'stored', outcome: { code: 'STORED' }, attempts: 1, join: { added: 1 } });
      expect(final.events.map((e) => e.type)).toEqual(['study.resumed', 'study.validated', 'study.processed']);
      await vi.waitFor(async () => expect(await data.studyRecord(STUDY)).toMatchObject({ lastDeliveryId: id, state: 'receiving' }));
    });
  });

  describe('retry()', () => {
    it('then only a failed delivery with its staged files runs again, once at a time', async () => {
      const pipeline = pipelineFor();
      const id = await accepted([{ uid: '2.25.10', sha: 'f1' }]);
      await expect(pipeline.retry(id)).rejects.toMatchObject({ code: 'STUDY_NOT_RETRYABLE', details: { state: 'received' } });
      await expect(pipeline.retry(newStudyId())).rejects.toMatchObject({ code: 'STUDY_NOT_FOUND' });
      descriptorFails = true;
      expect(await pipeline.submit(id)).toMatchObject({ state: 'failed', outcome: { code: 'PROCESSING_FAILED' } });
      descriptorFails = false;
      // Two retries asked together: one takes it, the other is refused.
      const both = await Promise.allSettled([pipeline.retry(id), pipeline.retry(id)]);
      expect(both.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      const taken = both.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<Awaited<ReturnType<StudyPipeline['retry']>>>;
      expect(taken.value.state).toBe('received');
      const final = await taken.value.done;
      expect(final).toMatchObject({ state: 'stored', attempts: 2 });
      expect(final.events.find((e) => e.type === 'study.retried')?.data).toEqual({
        trigger: 'retry',
        previousCode: 'PROCESSING_FAILED',
        attempt: 2,
      });

      const gone = await accepted([{ uid: '2.25.11', sha: 'f2' }]);
      descriptorFails = true;
      await pipeline.submit(gone);
      await rm(path.join(dir, 'staging', gone), { recursive: true });
      await expect(pipeline.retry(gone)).rejects.toMatchObject({
        code: 'STUDY_NOT_RETRYABLE',
        message: 'The staged files of this study are gone',
      });
    });
  });
});
