import { rm } from 'node:fs/promises';
import path from 'node:path';
import { AppError, ErrorCodes, type EventBus, type EventPayloads, type EventType, type Logger, type ValidationReport } from '@dsv/common';
import type { DescriptorClient } from '../clients/descriptor-client.ts';
import { withRetry, type RetryPolicy } from '../clients/retry.ts';
import type { ValidatorClient } from '../clients/validator-client.ts';
import type { StatusStore } from './status-store.ts';
import { FIRST_ERRORS_SHOWN, TerminalStates, type Outcome, type StudyStatus } from './study-status.ts';
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
}

const STORED: Outcome = { httpStatus: 201, code: 'STORED', message: 'The study is stored' };

/**
 * Takes an accepted upload through validation and storage. The staged files stay until the descriptor
 * has the study (stored or rejected), so a failed study can run again from them.
 */
export class StudyPipeline {
  private readonly queue: WorkQueue;
  private readonly inFlight = new Map<string, Promise<StudyStatus>>();

  constructor(private readonly deps: PipelineDeps) {
    this.queue = new WorkQueue(deps.concurrency);
  }

  /** Queues a study; the promise resolves when it reaches a terminal state. */
  submit(id: string): Promise<StudyStatus> {
    const running = this.inFlight.get(id);
    if (running) return running;
    const job = this.queue.run(() => this.process(id)).finally(() => this.inFlight.delete(id));
    this.inFlight.set(id, job);
    return job;
  }

  /** Resolves when every study in flight has ended (used when shutting down). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.inFlight.values()]);
  }

  get pending(): number {
    return this.inFlight.size;
  }

  private async process(id: string): Promise<StudyStatus> {
    const { store } = this.deps;
    const started = Date.now();
    const current = store.get(id)!;
    if (TerminalStates.has(current.state) && current.state !== 'failed') return current;
    await store.update(id, (s) => {
      s.state = 'validating';
      s.outcome = null;
      s.attempts += 1;
    });
    try {
      const report = await this.validate(current);
      const describing = report.valid;
      await store.update(id, (s) => {
        s.events.push(...report.events);
        s.study = summariseStudy(report.instances);
        s.findings = { errors: report.errors.length, warnings: report.warnings.length, firstErrors: report.errors.slice(0, FIRST_ERRORS_SHOWN) };
        s.events.push(this.publish('study.validated', s, { valid: report.valid, errors: report.errors.length, warnings: report.warnings.length }));
        if (describing) s.state = 'describing';
      });
      const result = await this.describe(current, report);
      const outcome: Outcome = report.valid
        ? STORED
        : { httpStatus: report.outcome!.httpStatus, code: report.outcome!.code, message: ErrorCodes[report.outcome!.code].message };
      const status = await store.update(id, (s) => {
        s.events.push(...result.events);
        s.paths = {
          directory: result.directory,
          originals: result.files.originals.map((f) => f.path),
          metadata: result.files.metadata,
          validationLog: result.files.validationLog,
        };
        s.state = report.valid ? 'stored' : 'rejected';
        s.outcome = outcome;
        const data = { code: outcome.code, httpStatus: outcome.httpStatus, durationMs: Date.now() - started };
        s.events.push(report.valid ? this.publish('study.processed', s, data) : this.publish('study.rejected', s, data));
      });
      await rm(path.resolve(this.deps.stagingDir, id), { recursive: true, force: true });
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
            files: status.upload.files.map((f) => ({ file: f.file, clientName: f.clientName })),
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
      s.outcome = { httpStatus: appError.status, code: appError.code, message: appError.message };
      s.events.push(this.publish('study.failed', s, { code: appError.code, httpStatus: appError.status, durationMs: Date.now() - started, reason: appError.message }));
    });
  }

  private publish<T extends EventType>(type: T, status: StudyStatus, data: EventPayloads[T]) {
    return this.deps.events.publish(type, { studyId: status.id, correlationId: status.correlationId }, data);
  }
}
