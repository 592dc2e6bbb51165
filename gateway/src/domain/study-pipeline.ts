import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  AppError,
  ErrorCodes,
  withRetry,
  type DescribeResult,
  type EventBus,
  type EventPayloads,
  type EventType,
  type Logger,
  type RetryPolicy,
  type ValidationReport,
} from '@dsv/common';
import type { DescriptorClient } from '../clients/descriptor-client.ts';
import type { ValidatorClient } from '../clients/validator-client.ts';
import type { StagingFolders } from '../upload/staging-folders.ts';
import type { StatusStore } from './status-store.ts';
import { FIRST_ERRORS_SHOWN, TerminalStates, type Outcome, type StudyState, type StudyStatus } from './study-status.ts';
import { summariseDelivery } from './summarise-delivery.ts';
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
  /** Makes and removes the deliveries' staging folders. */
  stagingFolders: StagingFolders;
  /** How long a study stays receiving after a delivery joined it (config stableAfterSeconds). */
  stableAfterMs: number;
  /** Told when a delivery joined its study and that is written, with when that study is due: the stability checks look again. */
  onJoined?: (checkAfter: number) => void;
}

/**
 * Takes an accepted delivery through validation and storage. The staged files stay until the descriptor
 * has the delivery (joined to its study, or rejected), so a failed delivery can run again from them.
 *
 * Crash safety: every step can run twice. A delivery found in 'received', 'validating' or 'describing'
 * at start-up runs again from the start: the validator is a pure function of the files, and the
 * descriptor answers a second describe of a delivery it already has with alreadyStored (it records the
 * join in its catalogue in one transaction, and reads that answer back). So only two states must be
 * written before the next step: 'received' (the delivery is accepted) and the final state, before the
 * staged files are removed; the final state's transaction also marks its study receiving, so a stored
 * delivery is never left out of the stability checks. 'validating' and 'describing' live in memory
 * only: a crash loses nothing that running again from 'received' does not redo. The final state is
 * answered before its write ends: running again from 'received' reaches the same state, from the same
 * staged files.
 */
export class StudyPipeline {
  private readonly queue: WorkQueue;
  /** Per delivery running: its job (ends when all is written and tidied) and its answer (may come sooner). */
  private readonly inFlight = new Map<string, { job: Promise<StudyStatus>; answer: Promise<StudyStatus> }>();
  /** Failed deliveries a retry has taken and not yet submitted: no second retry can take them meanwhile. */
  private readonly retrying = new Set<string>();

  constructor(private readonly deps: PipelineDeps) {
    this.queue = new WorkQueue(deps.concurrency);
  }

  /**
   * Queues a delivery; the promise resolves with its terminal state, as soon as that state is final: a
   * stored or rejected delivery is answered once the descriptor has it on disk, while the gateway's own
   * record of that state is still being written (a restart before that write runs the delivery again
   * and the descriptor answers alreadyStored: the same answer). `awaitDocuments: false`: the descriptor
   * answers without waiting for the study's documents (a C-STORE's; DescribeRequest.awaitDocuments).
   */
  submit(id: string, options: { awaitDocuments?: boolean } = {}): Promise<StudyStatus> {
    const running = this.inFlight.get(id);
    if (running) return running.answer;
    let settle!: (status: StudyStatus) => void;
    let refuse!: (error: unknown) => void;
    const answer = new Promise<StudyStatus>((resolve, reject) => {
      settle = resolve;
      refuse = reject;
    });
    const job = this.queue.run(() => this.process(id, settle, options)).finally(() => this.inFlight.delete(id));
    // Whatever answered first wins; a job that ends without answering early answers with its end.
    job.then(settle, refuse);
    this.inFlight.set(id, { job, answer });
    return answer;
  }

  /**
   * Queues a delivery whose 'received' state was held in memory only (StatusStore.create with persist:
   * false: one nobody has been promised anything for yet) and resolves once its final state is written
   * too. Such a delivery cannot be run again from 'received' after a crash, so the early answer of
   * `submit` would promise what a crash could still take back.
   */
  async submitHeld(id: string, options: { awaitDocuments?: boolean } = {}): Promise<StudyStatus> {
    const final = await this.submit(id, options);
    await this.deps.store.written(id);
    // A failed delivery keeps its staged files for POST /studies/<id>/retry, which its written status now
    // offers: their folder's name, never flushed on the way in, must outlive a power cut too.
    if (final.state === 'failed') {
      await this.deps.stagingFolders.flush(path.resolve(this.deps.stagingDir, id)).catch((error: unknown) =>
        // The answer stays 'failed' (the client sends again); only a later retry may find nothing to run.
        this.deps.logger.warn({ studyId: id, err: error }, 'staged files of a failed delivery not flushed'),
      );
    }
    return final;
  }

  /** Takes up a delivery left unfinished by a stop or a crash (at start-up). */
  async resume(id: string): Promise<StudyStatus> {
    await this.deps.store.update(id, (s) => {
      s.events.push(this.publish('study.resumed', s, { previousState: s.state }));
    });
    return this.submit(id);
  }

  /**
   * Runs a failed delivery again from its staged files. Throws STUDY_NOT_FOUND, or STUDY_NOT_RETRYABLE
   * when it is not failed, already running again, or its staged files are gone. Taken (in one synchronous
   * step after its status is read) before anything else can run, so two retries cannot both start.
   */
  async retry(id: string): Promise<{ state: StudyState; done: Promise<StudyStatus> }> {
    const status = await this.deps.store.get(id);
    if (!status) throw new AppError('STUDY_NOT_FOUND');
    if (status.state !== 'failed' || this.inFlight.has(id) || this.retrying.has(id)) {
      throw new AppError('STUDY_NOT_RETRYABLE', undefined, { state: this.retrying.has(id) ? 'received' : status.state });
    }
    if (!existsSync(path.resolve(this.deps.stagingDir, id))) {
      throw new AppError('STUDY_NOT_RETRYABLE', 'The staged files of this study are gone', { state: status.state });
    }
    this.retrying.add(id);
    try {
      const updated = await this.deps.store.update(id, (s) => {
        s.events.push(
          this.publish('study.retried', s, { trigger: 'retry', previousCode: s.outcome?.code ?? null, attempt: s.attempts + 1 }),
        );
        s.state = 'received';
        s.outcome = null;
      });
      // The state it was accepted in: once submitted, the live status moves on.
      const { state } = updated;
      return { state, done: this.submit(id) };
    } finally {
      this.retrying.delete(id);
    }
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

  private async process(id: string, answer: (status: StudyStatus) => void, options: { awaitDocuments?: boolean }): Promise<StudyStatus> {
    const { store } = this.deps;
    const started = Date.now();
    const current = await store.get(id);
    if (!current) throw new AppError('STUDY_NOT_FOUND');
    if (TerminalStates.has(current.state) && current.state !== 'failed') return current;
    const running = await store.update(
      id,
      (s) => {
        s.state = 'validating';
        s.outcome = null;
        s.attempts += 1;
      },
      { persist: false },
    );
    try {
      const report = await this.validate(running);
      await store.update(
        id,
        (s) => {
          s.events.push(...report.events);
          s.contents = summariseDelivery(report.instances);
          s.findings = {
            errors: report.errors.length,
            warnings: report.warnings.length,
            firstErrors: report.errors.slice(0, FIRST_ERRORS_SHOWN),
          };
          s.events.push(
            this.publish('study.validated', s, { valid: report.valid, errors: report.errors.length, warnings: report.warnings.length }),
          );
          if (report.valid) s.state = 'describing';
        },
        { persist: false },
      );
      const result = await this.describe(running, report, options.awaitDocuments);
      // The descriptor's word on where the delivery ended: a retry after a crash may get, read back, the
      // answer of an earlier run.
      const stored = result.disposition === 'stored';
      const outcome = stored ? storedOutcome(result) : rejectedOutcome(report, result);
      if (result.refusal) {
        this.deps.logger.warn(
          { studyId: id, code: result.refusal.code, conflicts: result.refusal.conflicts?.length ?? 0 },
          'the study refused the delivery',
        );
      }
      const joined = stored && result.study !== null;
      const now = Date.now();
      const persisted = store.update(
        id,
        (s) => {
          s.events.push(...result.events);
          s.paths = {
            directory: result.directory,
            originals: result.files.originals.map((f) => f.path),
            metadata: result.files.metadata,
            validationLog: result.files.validationLog,
          };
          s.study = result.study ? { ...result.study, url: `/studies/${result.study.StudyInstanceUID}` } : null;
          s.join = result.join;
          if (result.refusal?.conflicts) s.conflicts = result.refusal.conflicts;
          else delete s.conflicts;
          s.findings = { ...s.findings, warnings: report.warnings.length + result.warnings.length };
          s.state = stored ? 'stored' : 'rejected';
          s.outcome = outcome;
          const data = { code: outcome.code, httpStatus: outcome.httpStatus, durationMs: now - started };
          s.events.push(stored ? this.publish('study.processed', s, data) : this.publish('study.rejected', s, data));
        },
        joined
          ? {
              delivered: {
                StudyInstanceUID: result.study!.StudyInstanceUID,
                deliveryId: id,
                at: now,
                checkAfter: now + this.deps.stableAfterMs,
              },
            }
          : {},
      );
      // The change is made in memory at once; its write goes on after the answer.
      const status = store.held(id)!;
      answer(status);
      try {
        await persisted;
      } catch (error) {
        // The delivery is where the answer said; only the record is missing. The staged files stay, so the
        // next start runs it again from 'received' and the descriptor answers alreadyStored.
        this.deps.logger.error(
          { studyId: id, code: status.outcome?.code, err: error },
          'final state not persisted: the delivery runs again at the next start',
        );
        return status;
      }
      if (joined) this.deps.onJoined?.(now + this.deps.stableAfterMs);
      await this.deps.stagingFolders.release(path.resolve(this.deps.stagingDir, id));
      return status;
    } catch (error) {
      return this.fail(id, error, started);
    }
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
      (attempt, delayMs, error) =>
        this.deps.logger.warn({ studyId: status.id, service: 'validator', attempt, delayMs, reason: error.message }, 'retrying'),
    );
  }

  private describe(status: StudyStatus, report: ValidationReport, awaitDocuments: boolean | undefined): Promise<DescribeResult> {
    return withRetry(
      () =>
        this.deps.descriptor.describe(
          {
            studyId: status.id,
            disposition: report.valid ? 'stored' : 'rejected',
            receivedAt: status.createdAt,
            files: status.upload.files.map((f) => ({ file: f.file, clientName: f.clientName, sizeBytes: f.sizeBytes, sha256: f.sha256 })),
            report,
            ...(awaitDocuments === undefined ? {} : { awaitDocuments }),
          },
          { correlationId: status.correlationId, dir: path.resolve(this.deps.stagingDir, status.id) },
        ),
      this.deps.retry,
      (attempt, delayMs, error) =>
        this.deps.logger.warn({ studyId: status.id, service: 'descriptor', attempt, delayMs, reason: error.message }, 'retrying'),
    );
  }

  private async fail(id: string, error: unknown, started: number): Promise<StudyStatus> {
    const appError = error instanceof AppError ? error : new AppError('PROCESSING_FAILED', undefined, undefined, { cause: error });
    this.deps.logger.error({ studyId: id, code: appError.code, err: appError.cause ?? appError }, 'study failed');
    return this.deps.store.update(id, (s) => {
      s.state = 'failed';
      s.outcome = {
        httpStatus: appError.status,
        code: appError.code,
        message: appError.message,
        ...(appError.details ? { details: appError.details } : {}),
      };
      s.events.push(
        this.publish('study.failed', s, {
          code: appError.code,
          httpStatus: appError.status,
          durationMs: Date.now() - started,
          reason: appError.message,
        }),
      );
    });
  }

  private publish<T extends EventType>(type: T, status: StudyStatus, data: EventPayloads[T]) {
    return this.deps.events.publish(type, { studyId: status.id, correlationId: status.correlationId }, data);
  }
}

/** 201 STORED, saying what joining the study did: a delivery of instances all held already is stored too. */
function storedOutcome(result: DescribeResult): Outcome {
  const { study, join } = result;
  if (!study || !join) return { httpStatus: 201, code: 'STORED', message: 'The delivery is stored' };
  const counts = [`${join.added} instance${join.added === 1 ? '' : 's'} added`, `${join.duplicates.length} already stored`];
  if (join.reencoded.length > 0) counts.push(`${join.reencoded.length} already stored in another transfer syntax (kept as stored)`);
  return { httpStatus: 201, code: 'STORED', message: `The delivery joined study ${study.StudyInstanceUID}: ${counts.join(', ')}` };
}

/**
 * Why the delivery went to rejected/: the study refused it (its code and status from the error table),
 * else the validator's verdict.
 */
function rejectedOutcome(report: ValidationReport, result: DescribeResult): Outcome {
  const { refusal } = result;
  if (refusal) return { httpStatus: ErrorCodes[refusal.code].status, code: refusal.code, message: refusal.message };
  // A valid verdict with a rejected delivery: read back from a run whose verdict was not (the validator's
  // config changed in between); the delivery stays where that run put it.
  const code = report.outcome?.code ?? 'STUDY_INVALID';
  return { httpStatus: ErrorCodes[code].status, code, message: ErrorCodes[code].message };
}
