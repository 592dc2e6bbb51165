import { EventOwners, withRetry, type EventBus, type LifecycleEvent, type Logger, type RetryPolicy } from '@dsv/common';
import type { DescriptorClient } from '../clients/descriptor-client.ts';
import type { ValidatorClient } from '../clients/validator-client.ts';
import type { GatewayData, StudyRecord } from '../data/gateway-data.ts';
import type { StatusStore } from './status-store.ts';

/** The time and the timers the scheduler uses; the tests pass one they move by hand. */
export interface Clock {
  now(): number;
  setTimer(run: () => void, ms: number): { cancel(): void };
}

/** Timers that do not keep the process alive: a gateway shutting down does not wait for the next check. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(run, ms) {
    const timer = setTimeout(run, ms);
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};

/** Studies checked per round; a round that takes a full batch is followed by another at once. */
export const STUDIES_PER_ROUND = 50;
/** After a failed check, the first wait, doubled at each failure in a row up to the last. */
export const FAILED_CHECK_FIRST_DELAY_MS = 1000;
export const FAILED_CHECK_MAX_DELAY_MS = 5 * 60 * 1000;
/** setTimeout's longest delay (a signed 32-bit count of milliseconds); a longer one fires at once. */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

export interface StabilityDeps {
  data: Pick<GatewayData, 'dueStudies' | 'nextCheck' | 'deferStudy' | 'markStable'>;
  store: Pick<StatusStore, 'get'>;
  descriptor: Pick<DescriptorClient, 'studyInstances' | 'markStable'>;
  validator: Pick<ValidatorClient, 'studyChecks'>;
  events: EventBus;
  logger: Logger;
  /** config stableAfterSeconds, in milliseconds. */
  stableAfterMs: number;
  /** Each call's attempts (pipeline.retry); a check that still fails is tried again later, with backoff. */
  retry: RetryPolicy;
  clock?: Clock;
}

/**
 * Makes DICOM studies stable: a study is receiving until no delivery has reached it for stableAfterSeconds
 * (the pipeline writes each stored delivery's due time with its status), then its study-level checks run
 * and the descriptor writes its documents. One timer, set for the next due study in the database, so a
 * restart takes up where the last run stopped. A check in a round: the study's instances from the
 * descriptor, the validator's study checks on them, the descriptor's stable call with their findings.
 */
export class StabilityScheduler {
  private readonly clock: Clock;
  private timer: { cancel(): void } | null = null;
  /** When the timer set fires (clock time). */
  private timerAt = 0;
  private round: Promise<void> | null = null;
  private stopped = true;

  constructor(private readonly deps: StabilityDeps) {
    this.clock = deps.clock ?? systemClock;
  }

  /** Sets the timer for the studies already due or receiving (at start-up). */
  start(): void {
    this.stopped = false;
    this.wake();
  }

  /**
   * A delivery joined a study: the timer is set again for the earliest due study. During a round
   * nothing is done: the round sets the timer when it ends, from the database. `due`: when the study
   * joined is due; a timer set for then or sooner stays (its round, or the timer set after it, finds
   * that study), so a stream of deliveries does not read the database and reset the timer for each.
   */
  wake(due?: number): void {
    if (this.stopped || this.round) return;
    if (due !== undefined && this.timer && this.timerAt <= due) return;
    void this.schedule();
  }

  /** Stops the timer; resolves when a round under way has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
    await this.round;
  }

  /** Resolves when no round is under way (for the tests). */
  async idle(): Promise<void> {
    while (this.round) await this.round;
  }

  private async schedule(): Promise<void> {
    let next: number | null;
    try {
      next = await this.deps.data.nextCheck();
    } catch (error) {
      this.deps.logger.error({ err: error }, 'stability: the database could not be read; trying again later');
      next = this.clock.now() + FAILED_CHECK_FIRST_DELAY_MS;
    }
    if (this.stopped || this.round) return;
    this.timer?.cancel();
    this.timer = null;
    if (next === null) return;
    const delay = Math.min(Math.max(0, next - this.clock.now()), LONGEST_TIMER_MS);
    this.timerAt = this.clock.now() + delay;
    this.timer = this.clock.setTimer(() => this.startRound(), delay);
  }

  private startRound(): void {
    this.timer = null;
    if (this.stopped || this.round) return;
    this.round = this.runRound()
      .catch((error: unknown) => this.deps.logger.error({ err: error }, 'stability: a round failed; trying again later'))
      .finally(() => {
        this.round = null;
        if (!this.stopped) void this.schedule();
      });
  }

  private async runRound(): Promise<void> {
    const due = await this.deps.data.dueStudies(this.clock.now(), STUDIES_PER_ROUND);
    for (const study of due) {
      if (this.stopped) return;
      await this.check(study);
    }
  }

  /** One study's check; a failure is logged and the study tried again after a backoff, never thrown. */
  private async check(study: StudyRecord): Promise<void> {
    const { data, descriptor, validator, logger } = this.deps;
    const uid = study.StudyInstanceUID;
    try {
      const correlationId = (await this.deps.store.get(study.lastDeliveryId))?.correlationId ?? study.lastDeliveryId;
      // The instances go from the descriptor to the validator as the descriptor wrote them: a study of
      // thousands of instances is never parsed, checked and written out again here.
      const held = await this.call('descriptor', () => descriptor.studyInstances(uid, correlationId));
      const checks = await this.call('validator', () => validator.studyChecks(held.document, correlationId));
      const { errors, warnings } = checks;
      const result = await this.call('descriptor', () =>
        descriptor.markStable(uid, { correlationId, lastDeliveryId: held.lastDeliveryId, errors, warnings }),
      );
      const now = this.clock.now();
      if (result.state === 'receiving') {
        // A delivery joined meanwhile: its own write sets the study's next due time, unless it has not
        // reached the gateway's record yet; then this one holds (never at once: with stableAfterSeconds 0
        // a descriptor that keeps answering so would be asked in a loop).
        await data.deferStudy(study, now + Math.max(this.deps.stableAfterMs, FAILED_CHECK_FIRST_DELAY_MS), 0);
        logger.info({ studyInstanceUid: uid }, 'stability: a delivery joined the study during its check; still receiving');
        return;
      }
      const event = stableEvent({ studyId: study.lastDeliveryId, correlationId }, now, {
        studyInstanceUid: uid,
        instances: result.numberOfInstances,
        series: result.numberOfSeries,
        errors: errors.length,
        warnings: warnings.length,
      });
      if (await data.markStable(study, now, event)) this.deps.events.relay(event);
      else logger.info({ studyInstanceUid: uid }, 'stability: a delivery reached the study during its check; still receiving');
    } catch (error) {
      const failures = study.failures + 1;
      const delayMs = Math.min(FAILED_CHECK_MAX_DELAY_MS, FAILED_CHECK_FIRST_DELAY_MS * 2 ** (failures - 1));
      logger.warn(
        { studyInstanceUid: uid, failures, delayMs, code: (error as { code?: string }).code, reason: (error as Error).message },
        'stability: check failed; tried again later',
      );
      await data
        .deferStudy(study, this.clock.now() + delayMs, failures)
        .catch((deferError: unknown) => logger.error({ err: deferError }, 'stability: the backoff could not be written'));
    }
  }

  private call<T>(service: 'validator' | 'descriptor', run: () => Promise<T>): Promise<T> {
    return withRetry(run, this.deps.retry, (attempt, delayMs, error) =>
      this.deps.logger.warn({ service, attempt, delayMs, reason: error.message }, 'stability: retrying'),
    );
  }
}

/**
 * The study.stable event, built but not yet emitted: it is emitted once it is written with the study's
 * new state, and not at all if a delivery came first.
 */
function stableEvent(
  context: { studyId: string; correlationId: string },
  now: number,
  data: LifecycleEvent<'study.stable'>['data'],
): LifecycleEvent<'study.stable'> {
  return { type: 'study.stable', service: EventOwners['study.stable'], ...context, time: new Date(now).toISOString(), data };
}
