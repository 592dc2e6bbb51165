import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AppError, createEventBus, createLogger, EventTypes, newStudyId, type DescribeRequest, type DescribeResult, type ValidationReport } from '@dsv/common';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DescriptorClient } from '../../src/clients/descriptor-client.ts';
import type { ValidatorClient } from '../../src/clients/validator-client.ts';
import { InstanceIndex } from '../../src/domain/instance-index.ts';
import { JOURNAL_FILE, readStatusJournal } from '../../src/domain/status-journal.ts';
import { StatusStore } from '../../src/domain/status-store.ts';
import { DESCRIBE_AHEAD_MIN_FILES, StudyPipeline } from '../../src/domain/study-pipeline.ts';
import { SpareFolders } from '../../src/upload/spare-folders.ts';
import { newStatus } from '../study-status.ts';
import type { StudyState, StudyStatus } from '../../src/domain/study-status.ts';

const EXPLICIT = '1.2.840.10008.1.2.1';
const IMPLICIT = '1.2.840.10008.1.2';

/** What the fake validator reads in a staged file: its SOP Instance UID and transfer syntax, by sha256. */
const instances = new Map<string, { SOPInstanceUID: string; TransferSyntaxUID: string }>();

describe('StudyPipeline', () => {
  let dir: string;
  let store: StatusStore;
  let described: DescribeRequest[];
  let prepared: Array<{ studyId: string; files: string[]; describedBefore: boolean }>;
  let descriptorFails: boolean;
  let descriptorGate: Promise<void>;
  let alreadyStored: Set<string>;

  const logger = createLogger('gateway', 'silent');
  const validator: ValidatorClient = {
    async validate({ studyId, files }) {
      const status = store.get(studyId)!;
      const report: ValidationReport = {
        studyId,
        valid: true,
        outcome: null,
        instances: files.map((file) => {
          const sha = status.upload.files.find((f) => f.file === file)!.sha256;
          return { file, sizeBytes: 1, readable: true, ...instances.get(sha)!, StudyInstanceUID: '1.9', SeriesInstanceUID: '1.9.1', Modality: 'CT' };
        }),
        errors: [],
        warnings: [],
        events: [],
      };
      return report;
    },
  };
  const descriptor: DescriptorClient = {
    async describe(request) {
      await descriptorGate;
      if (descriptorFails) throw new AppError('PROCESSING_FAILED', 'The descriptor answered 500');
      described.push(request);
      const again = alreadyStored.has(request.studyId);
      alreadyStored.add(request.studyId);
      const result: DescribeResult = {
        studyId: request.studyId,
        disposition: request.disposition,
        alreadyStored: again,
        directory: `${request.disposition === 'stored' ? 'studies' : 'rejected'}/${request.studyId}`,
        files: { originals: [], metadata: null, validationLog: 'validation.log' },
        events: [],
      };
      return result;
    },
    async prepare(studyId, files) {
      prepared.push({ studyId, files: [...files], describedBefore: described.some((request) => request.studyId === studyId) });
    },
  };

  function pipelineFor(index: InstanceIndex): StudyPipeline {
    const events = createEventBus(logger, EventTypes);
    return new StudyPipeline({
      store,
      events,
      logger,
      validator,
      descriptor,
      stagingDir: path.join(dir, 'staging'),
      concurrency: 4,
      retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
      describeAhead: true,
      instances: index,
      spares: new SpareFolders(path.join(dir, 'staging')),
    });
  }

  /** A status as POST /upload creates it, with one staged file per (UID, transfer syntax, bytes). */
  async function accepted(files: { uid: string; ts?: string; sha: string }[], state: StudyState = 'received'): Promise<string> {
    const id = newStudyId();
    await mkdir(path.join(dir, 'staging', id), { recursive: true });
    for (const f of files) instances.set(f.sha, { SOPInstanceUID: f.uid, TransferSyntaxUID: f.ts ?? EXPLICIT });
    await store.create(newStatus(id, files.map((f, i) => ({ file: `000${i + 1}.dcm`, clientName: `f${i}.dcm`, sizeBytes: 1, sha256: f.sha })), state));
    return id;
  }

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-pipeline-'));
    store = new StatusStore(path.join(dir, 'status'), logger);
    await store.open();
    described = [];
    prepared = [];
    descriptorFails = false;
    descriptorGate = Promise.resolve();
    alreadyStored = new Set();
  });
  afterEach(async () => {
    store.close();
    await rm(dir, { recursive: true, force: true });
  });

  describe('when an upload holds an instance another study stored', () => {
    it('then with other bytes in the same transfer syntax it is rejected 409 INSTANCE_CONFLICT, naming the study that holds it, and kept under rejected/', async () => {
      const pipeline = pipelineFor(new InstanceIndex());
      const first = await accepted([{ uid: '2.25.1', sha: 'a1' }, { uid: '2.25.2', sha: 'a2' }]);
      expect((await pipeline.submit(first)).state).toBe('stored');
      const second = await accepted([{ uid: '2.25.2', sha: 'a2-changed' }, { uid: '2.25.3', sha: 'a3' }]);
      const final = await pipeline.submit(second);
      expect(final).toMatchObject({
        state: 'rejected',
        outcome: { httpStatus: 409, code: 'INSTANCE_CONFLICT', details: { conflicts: 1, heldBy: [first] } },
        conflicts: [{ file: '0001.dcm', SOPInstanceUID: '2.25.2', heldBy: first, kind: 'changed' }],
        findings: { errors: 1, firstErrors: [{ severity: 'error', code: 'sop-instance-conflict', file: '0001.dcm', tag: '(0008,0018)' }] },
      });
      expect(final.outcome!.message).toContain(first);
      const request = described.at(-1)!;
      expect(request).toMatchObject({ studyId: second, disposition: 'rejected', report: { valid: false } });
      expect(request.report.errors.map((e) => e.code)).toEqual(['sop-instance-conflict']);
      // Answered as soon as the descriptor has it; the staged files go once the final state is flushed.
      await pipeline.drain();
      expect((await readdir(path.join(dir, 'staging'))).filter((name) => !name.startsWith('.'))).toEqual([]);
    });

    it('then in another transfer syntax it is stored, with a warning and the other study named in the status', async () => {
      const pipeline = pipelineFor(new InstanceIndex());
      const first = await accepted([{ uid: '2.25.1', sha: 'b1' }]);
      await pipeline.submit(first);
      const final = await pipeline.submit(await accepted([{ uid: '2.25.1', ts: IMPLICIT, sha: 'b1-implicit' }]));
      expect(final).toMatchObject({ state: 'stored', outcome: { code: 'STORED' }, findings: { errors: 0, warnings: 1 }, conflicts: [{ heldBy: first, kind: 'reencoded' }] });
      expect(described.at(-1)!.report.warnings.map((w) => w.code)).toEqual(['sop-instance-reencoded']);
    });

    it('then two such uploads in flight together cannot both be stored', async () => {
      const pipeline = pipelineFor(new InstanceIndex());
      let open: () => void = () => undefined;
      descriptorGate = new Promise((resolve) => (open = resolve));
      const a = await accepted([{ uid: '2.25.7', sha: 'c1' }]);
      const b = await accepted([{ uid: '2.25.7', sha: 'c2' }]);
      const both = Promise.all([pipeline.submit(a), pipeline.submit(b)]);
      await new Promise((resolve) => setTimeout(resolve, 50));
      open();
      // Whichever claims the UID first is stored (the order is not fixed); the other never is.
      const finals = await both;
      expect(finals.map((s) => s.state).sort()).toEqual(['rejected', 'stored']);
      const [winner, loser] = finals[0]!.state === 'stored' ? finals : [finals[1]!, finals[0]!];
      expect(loser).toMatchObject({ outcome: { code: 'INSTANCE_CONFLICT' }, conflicts: [{ heldBy: winner!.id }] });
    });

    it('then a study that failed gave its instances back: the same UID with other bytes is stored next', async () => {
      const pipeline = pipelineFor(new InstanceIndex());
      descriptorFails = true;
      const failed = await pipeline.submit(await accepted([{ uid: '2.25.8', sha: 'd1' }]));
      expect(failed).toMatchObject({ state: 'failed', outcome: { code: 'PROCESSING_FAILED' } });
      descriptorFails = false;
      expect((await pipeline.submit(await accepted([{ uid: '2.25.8', sha: 'd2' }]))).state).toBe('stored');
    });
  });

  describe("when the gateway starts with a study it left in 'describing' (a crash after the descriptor stored it)", () => {
    it('then the study runs again, the descriptor answers alreadyStored, and its own instances are no conflict', async () => {
      const id = await accepted([{ uid: '2.25.9', sha: 'e1' }], 'describing');
      await store.update(id, (s) => {
        s.upload.files[0]!.SOPInstanceUID = '2.25.9';
        s.upload.files[0]!.TransferSyntaxUID = EXPLICIT;
      });
      alreadyStored.add(id);
      store.close();
      const reopened = new StatusStore(path.join(dir, 'status'), logger);
      const instances = new InstanceIndex();
      await reopened.open((status) => instances.add(status));
      store = reopened;
      const pipeline = pipelineFor(instances);
      const final = await pipeline.resume(id);
      expect(final).toMatchObject({ state: 'stored', outcome: { code: 'STORED' }, attempts: 1 });
      expect(final.conflicts).toBeUndefined();
      expect(final.events.map((e) => e.type)).toEqual(['study.resumed', 'study.validated', 'study.processed']);
    });
  });

  describe('when describeAhead is on', () => {
    it(`then a study of ${DESCRIBE_AHEAD_MIN_FILES} files or more is named to the descriptor before its describe call, and a smaller one is not`, async () => {
      const pipeline = pipelineFor(new InstanceIndex());
      const files = Array.from({ length: DESCRIBE_AHEAD_MIN_FILES }, (_, i) => ({ uid: `2.25.30${i}`, sha: `p${i}` }));
      const large = await accepted(files);
      expect((await pipeline.submit(large)).state).toBe('stored');
      const small = await accepted(files.slice(0, DESCRIBE_AHEAD_MIN_FILES - 1).map((f) => ({ uid: `${f.uid}9`, sha: `${f.sha}-small` })));
      expect((await pipeline.submit(small)).state).toBe('stored');
      expect(prepared).toEqual([{ studyId: large, files: files.map((_, i) => `000${i + 1}.dcm`), describedBefore: false }]);
    });
  });

  describe('what reaches the disk', () => {
    const onDisk = async (id: string): Promise<StudyStatus> => readStatusJournal(path.join(dir, 'status')).get(id)!;

    it("then 'validating' stays in memory, 'describing' (the instances claimed) is on disk before the descriptor is called, and the final state after (answered without waiting for it)", async () => {
      const pipeline = pipelineFor(new InstanceIndex());
      let open = (): void => undefined;
      descriptorGate = new Promise((resolve) => (open = resolve));
      const id = await accepted([{ uid: '2.25.20', sha: 'g1' }]);
      const done = pipeline.submit(id);
      // The descriptor is held at its gate: whatever reaches the disk now was written before it was called.
      // (The state changes in memory first and its write lands a moment later: wait for the file.)
      await vi.waitFor(async () => expect((await onDisk(id)).state).toBe('describing'));
      expect(await onDisk(id)).toMatchObject({ state: 'describing', upload: { files: [{ SOPInstanceUID: '2.25.20' }] } });
      // Restarted here, the claim would be rebuilt from the file.
      expect(InstanceIndex.build([await onDisk(id)]).holderOf('2.25.20')).toBe(id);
      open();
      expect((await done).state).toBe('stored');
      // The answer does not wait for the final state's flush; the job ends once it is on disk.
      await pipeline.drain();
      expect(await onDisk(id)).toEqual(store.get(id));
      expect((await onDisk(id)).state).toBe('stored');
      expect(await readFile(path.join(dir, 'status', JOURNAL_FILE), 'utf8')).not.toContain('\n ');
      expect(store.pendingWrites).toBe(0);
    });

    it("then when the final state cannot be written, the answer stands, the staged files stay, and the journal still says 'describing' (the next start runs it again)", async () => {
      const pipeline = pipelineFor(new InstanceIndex());
      let open = (): void => undefined;
      descriptorGate = new Promise((resolve) => (open = resolve));
      const id = await accepted([{ uid: '2.25.22', sha: 'k1' }]);
      const done = pipeline.submit(id);
      await vi.waitFor(async () => expect((await onDisk(id)).state).toBe('describing'));
      // The disk fails from here on (as a full disk would for the journal).
      const journal = (store as unknown as { journal: { append: () => Promise<void> } }).journal;
      journal.append = () => Promise.reject(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }));
      open();
      expect((await done).state).toBe('stored');
      await pipeline.drain();
      expect(store.get(id)!.state).toBe('stored');
      expect((await onDisk(id)).state).toBe('describing');
      // Its staging folder is kept (a stored study's is parked as a spare once its state is on disk).
      expect(existsSync(path.join(dir, 'staging', id))).toBe(true);
    });

    it("then a study on its way to rejected/ keeps 'received' on disk until its final state", async () => {
      const pipeline = pipelineFor(new InstanceIndex());
      const first = await accepted([{ uid: '2.25.21', sha: 'h1' }]);
      await pipeline.submit(first);
      let open = (): void => undefined;
      descriptorGate = new Promise((resolve) => (open = resolve));
      const second = await accepted([{ uid: '2.25.21', sha: 'h1-changed' }]);
      const done = pipeline.submit(second);
      await vi.waitFor(() => expect(store.get(second)!.events.map((e) => e.type)).toContain('study.validated'));
      expect((await onDisk(second)).state).toBe('received');
      open();
      expect((await done).state).toBe('rejected');
      expect((await onDisk(second)).state).toBe('rejected');
    });
  });

  describe('retry()', () => {
    it('then only a failed study with its staged files runs again, once at a time', async () => {
      const pipeline = pipelineFor(new InstanceIndex());
      const id = await accepted([{ uid: '2.25.10', sha: 'f1' }]);
      await expect(pipeline.retry(id, 'retry')).rejects.toMatchObject({ code: 'STUDY_NOT_RETRYABLE', details: { state: 'received' } });
      await expect(pipeline.retry(newStudyId(), 'retry')).rejects.toMatchObject({ code: 'STUDY_NOT_FOUND' });
      descriptorFails = true;
      await pipeline.submit(id);
      descriptorFails = false;
      const { state, done } = await pipeline.retry(id, 'retry');
      expect(state).toBe('received');
      await expect(pipeline.retry(id, 'retry')).rejects.toMatchObject({ code: 'STUDY_NOT_RETRYABLE' });
      const final = await done;
      expect(final).toMatchObject({ state: 'stored', attempts: 2 });
      const retried = final.events.find((e) => e.type === 'study.retried');
      expect(retried?.data).toEqual({ trigger: 'retry', previousCode: 'PROCESSING_FAILED', attempt: 2 });

      const gone = await accepted([{ uid: '2.25.11', sha: 'f2' }]);
      descriptorFails = true;
      await pipeline.submit(gone);
      await rm(path.join(dir, 'staging', gone), { recursive: true });
      await expect(pipeline.retry(gone, 'retry')).rejects.toMatchObject({ code: 'STUDY_NOT_RETRYABLE', message: 'The staged files of this study are gone' });
    });
  });
});
