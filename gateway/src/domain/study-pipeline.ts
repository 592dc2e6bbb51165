import { existsSync } from 'node:fs';
import path from 'node:path';
import { AppError, ErrorCodes, type EventBus, type EventPayloads, type EventType, type Logger, type ValidationReport } from '@dsv/common';
import type { DescriptorClient } from '../clients/descriptor-client.ts';
import { withRetry, type RetryPolicy } from '../clients/retry.ts';
import type { ValidatorClient } from '../clients/validator-client.ts';
import type { SpareFolders } from '../upload/spare-folders.ts';
import { conflictOutcome, reportWithConflicts, withInstanceUids } from './check-instances.ts';
import type { InstanceIndex } from './instance-index.ts';
import type { StatusStore } from './status-store.ts';
import { FIRST_ERRORS_SHOWN, TerminalStates, type InstanceConflict, type Outcome, type StudyState, type StudyStatus } from './study-status.ts';
import { summariseStudy } from './summarise-study.ts';
import { WorkQueue } from './work-queue.ts';

export interface PipelineDeps {
  store: StatusStore;
  events: EventBus;
  validator: ValidatorClient;
  descriptor: DescriptorClient;
  logger: Logger;
  stagingDir: string;
  concurrency: number;
  retry: RetryPolicy;
  instances: InstanceIndex;
  /** Where a finished study's staging folder goes. */
  spares: SpareFolders;
  /** Let the descriptor read a study's files while the validator checks them (pipeline.describeAhead). */
  describeAhead: boolean;
}

/**
 * Studies with fewer files are not described ahead: the extra exchange with the descriptor costs about
 * what reading a few headers does.
 */
export const DESCRIBE_AHEAD_MIN_FILES = 4;

const STORED: Outcome = { httpStatus: 201, code: 'STORED', message: 'The study is stored' };

/**
 * Takes an accepted upload through validation and storage. The staged files stay until the descriptor
 * has the study (stored or rejected), so a failed study can run again from them.
 *
 * Crash safety: every step can run twice. A study found in 'received', 'validating' or 'describing' at
 * start-up runs again from the start: the validator is a pure function of the files, and the descriptor
 * answers a second describe of a study it already published with alreadyStored (one rename publishes a
 * study; a half-assembled one is never visible). So only three states must reach the disk before the
 * next step: 'received' (the upload is accepted), 'describing' (the study's instances are claimed: the
 * instance index is rebuilt from the persisted statuses, and without the claim an upload of other bytes
 * under the same UIDs could be stored while this study, perhaps already published, waits to run again)
 * and the final state, before the staged files are removed. 'validating', and the verdict of a study
 * that goes to rejected/, live in memory only: a crash loses nothing that running again from 'received'
 * does not redo. The final state is answered before its flush ends: running again from 'describing'
 * reaches the same state, from the same staged files.
 */
export class StudyPipeline {
  private readonly queue: WorkQueue;
  /** Per study running: its job (ends when all is on disk and tidied) and its answer (may come sooner). */
  private readonly inFlight = new Map<string, { job: Promise<StudyStatus>; answer: Promise<StudyStatus> }>();

  constructor(private readonly deps: PipelineDeps) {
    this.queue = new WorkQueue(deps.concurrency);
  }

  /**
   * Queues a study; the promise resolves with its terminal state, as soon as that state is final: a
   * stored or rejected study is answered once the descriptor has it on disk, while the gateway's own
   * record of that state is still being flushed (a restart before that flush runs the study again and
   * the descriptor answers alreadyStored: the same answer).
   */
  submit(id: string): Promise<StudyStatus> {
    const running = this.inFlight.get(id);
    if (running) return running.answer;
    let settle!: (status: StudyStatus) => void;
    let refuse!: (error: unknown) => void;
    const answer = new Promise<StudyStatus>((resolve, reject) => {
      settle = resolve;
      refuse = reject;
    });
    const job = this.queue.run(() => this.process(id, settle)).finally(() => this.inFlight.delete(id));
    // Whatever answered first wins; a job that ends without answering early answers with its end.
    job.then(settle, refuse);
    this.inFlight.set(id, { job, answer });
    return answer;
  }

  /** Takes up a study left unfinished by a stop or a crash (at start-up). */
  async resume(id: string): Promise<StudyStatus> {
    await this.deps.store.update(id, (s) => {
      s.events.push(this.publish('study.resumed', s, { previousState: s.state }));
    });
    return this.submit(id);
  }

  /**
   * Runs a failed study again from its staged files. Throws STUDY_NOT_FOUND, or STUDY_NOT_RETRYABLE when
   * it is not failed, already running again, or its staged files are gone. The state changes to
   * 'received' before anything else can run, so two retries of one study cannot both start.
   */
  async retry(id: string, trigger: 'retry' | 'reupload'): Promise<{ state: StudyState; done: Promise<StudyStatus> }> {
    const status = this.deps.store.get(id);
    if (!status) throw new AppError('STUDY_NOT_FOUND');
    if (status.state !== 'failed' || this.inFlight.has(id)) {
      throw new AppError('STUDY_NOT_RETRYABLE', undefined, { state: status.state });
    }
    if (!existsSync(path.resolve(this.deps.stagingDir, id))) {
      throw new AppError('STUDY_NOT_RETRYABLE', 'The staged files of this study are gone', { state: status.state });
    }
    const updated = await this.deps.store.update(id, (s) => {
      s.events.push(this.publish('study.retried', s, { trigger, previousCode: s.outcome?.code ?? null, attempt: s.attempts + 1 }));
      s.state = 'received';
      s.outcome = null;
    });
    // The state it was accepted in: once submitted, the live status moves on.
    const { state } = updated;
    return { state, done: this.submit(id) };
  }

  isRunning(id: string): boolean {
    return this.inFlight.has(id);
  }

  /** Resolves when every study in flight has ended (used when shutting down). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight.values()].map((running) => running.job));
  }

  get pending(): number {
    return this.inFlight.size;
  }

  private async process(id: string, answer: (status: StudyStatus) => void): Promise<StudyStatus> {
    const { store, instances } = this.deps;
    const started = Date.now();
    const current = store.get(id)!;
    if (TerminalStates.has(current.state) && current.state !== 'failed') return current;
    await store.update(
      id,
      (s) => {
        s.state = 'validating';
        s.outcome = null;
        s.attempts += 1;
      },
      { persist: false },
    );
    try {
      // The descriptor's reading overlaps the validator's; describeAhead never rejects.
      const [report] = await Promise.all([this.validate(current), this.describeAhead(current)]);
      const files = withInstanceUids(current.upload.files, report.instances);
      // Check and claim in one synchronous step: two uploads in flight cannot both store a version.
      const conflicts: InstanceConflict[] = report.valid ? instances.checkAndClaim(id, files) : [];
      const verdict = conflicts.length > 0 ? reportWithConflicts(report, conflicts) : report;
      await store.update(
        id,
        (s) => {
          s.upload.files = files;
          s.events.push(...report.events);
          s.study = summariseStudy(report.instances);
          s.findings = { errors: verdict.errors.length, warnings: verdict.warnings.length, firstErrors: verdict.errors.slice(0, FIRST_ERRORS_SHOWN) };
          if (conflicts.length > 0) s.conflicts = conflicts;
          else delete s.conflicts;
          s.events.push(this.publish('study.validated', s, { valid: verdict.valid, errors: verdict.errors.length, warnings: verdict.warnings.length }));
          if (verdict.valid) s.state = 'describing';
        },
        { persist: verdict.valid },
      );
      if (conflicts.length > 0) {
        const heldBy = [...new Set(conflicts.map((c) => c.heldBy))];
        this.deps.logger.warn({ studyId: id, conflicts: conflicts.length, rejected: !verdict.valid, heldBy }, 'instance already stored with other bytes');
      }
      const result = await this.describe(current, verdict);
      const outcome: Outcome = verdict.valid
        ? STORED
        : report.valid
          ? conflictOutcome(conflicts)
          : { httpStatus: report.outcome!.httpStatus, code: report.outcome!.code, message: ErrorCodes[report.outcome!.code].message };
      const persisted = store.update(id, (s) => {
        s.events.push(...result.events);
        s.paths = {
          directory: result.directory,
          originals: result.files.originals.map((f) => f.path),
          metadata: result.files.metadata,
          validationLog: result.files.validationLog,
        };
        s.state = verdict.valid ? 'stored' : 'rejected';
        s.outcome = outcome;
        const data = { code: outcome.code, httpStatus: outcome.httpStatus, durationMs: Date.now() - started };
        s.events.push(verdict.valid ? this.publish('study.processed', s, data) : this.publish('study.rejected', s, data));
      });
      // The change is made in memory at once; its flush runs on after the answer.
      const status = store.get(id)!;
      answer(status);
      if (verdict.valid) instances.settle(id);
      else instances.release(id);
      try {
        await persisted;
      } catch (error) {
        // The study is where the answer said; only the record is missing. The staged files stay, so the
        // next start runs it again from 'describing' and the descriptor answers alreadyStored.
        this.deps.logger.error({ studyId: id, code: status.outcome?.code, err: error }, 'final state not persisted: the study runs again at the next start');
        return status;
      }
      await this.deps.spares.release(path.resolve(this.deps.stagingDir, id));
      return status;
    } catch (error) {
      instances.release(id);
      return this.fail(id, error, started);
    }
  }

  private describeAhead(status: StudyStatus): Promise<void> {
    const { files } = status.upload;
    if (!this.deps.describeAhead || files.length < DESCRIBE_AHEAD_MIN_FILES) return Promise.resolve();
    return this.deps.descriptor.prepare(status.id, files.map((f) => f.file));
  }

  private validate(status: StudyStatus): Promise<ValidationReport> {
    return withRetry(
      () =>
        this.deps.validator.validate({
          studyId: status.id,
          correlationId: status.correlationId,
          dir: path.resolve(this.deps.stagingDir, status.id),
          files: status.upload.files.map((f) => f.file),
        }),
      this.deps.retry,
      (attempt, delayMs, error) => this.deps.logger.warn({ studyId: status.id, service: 'validator', attempt, delayMs, reason: error.message }, 'retrying'),
    );
  }

  private describe(status: StudyStatus, report: ValidationReport) {
    return withRetry(
      () =>
        this.deps.descriptor.describe(
          {
            studyId: status.id,
            disposition: report.valid ? 'stored' : 'rejected',
            receivedAt: status.createdAt,
            files: status.upload.files.map((f) => ({ file: f.file, clientName: f.clientName, sizeBytes: f.sizeBytes, sha256: f.sha256 })),
            report,
          },
          { correlationId: status.correlationId, dir: path.resolve(this.deps.stagingDir, status.id) },
        ),
      this.deps.retry,
      (attempt, delayMs, error) => this.deps.logger.warn({ studyId: status.id, service: 'descriptor', attempt, delayMs, reason: error.message }, 'retrying'),
    );
  }

  private async fail(id: string, error: unknown, started: number): Promise<StudyStatus> {
    const appError = error instanceof AppError ? error : new AppError('PROCESSING_FAILED', undefined, undefined, { cause: error });
    this.deps.logger.error({ studyId: id, code: appError.code, err: appError.cause ?? appError }, 'study failed');
    return this.deps.store.update(id, (s) => {
      s.state = 'failed';
      s.outcome = { httpStatus: appError.status, code: appError.code, message: appError.message, ...(appError.details ? { details: appError.details } : {}) };
      s.events.push(this.publish('study.failed', s, { code: appError.code, httpStatus: appError.status, durationMs: Date.now() - started, reason: appError.message }));
    });
  }

  private publish<T extends EventType>(type: T, status: StudyStatus, data: EventPayloads[T]) {
    return this.deps.events.publish(type, { studyId: status.id, correlationId: status.correlationId }, data);
  }
}
