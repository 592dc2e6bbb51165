import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Logger } from '@dsv/common';
import type { GatewayData } from '../data/gateway-data.ts';
import type { AssociationStatuses } from '../dimse/association-statuses.ts';

/** Rows one transaction removes at most: the gateway's requests go on between two. */
const BATCH = 500;
const DAY_MS = 86_400_000;

export interface RetentionPolicy {
  /** 0: everything is kept. */
  days: number;
  sweepIntervalSeconds: number;
}

export interface RetentionDeps {
  data: Pick<GatewayData, 'prune'>;
  /** The associations' written statuses. */
  associations: Pick<AssociationStatuses, 'removeBefore'>;
  policy: RetentionPolicy;
  logger: Logger;
  now?: () => number;
}

/** What one sweep removed. */
export interface Swept {
  statuses: number;
  events: number;
  /** Records of studies stable since before the cutoff that no kept status names. */
  studies: number;
  associations: number;
}

/**
 * Keeps the gateway's own records from growing without bound (a C-STORE instance is a delivery with a
 * status of its own): at start-up and every `sweepIntervalSeconds`, the statuses of stored and rejected
 * deliveries older than `days`, with their events, the feed's other events of that age (associations',
 * study.stable), the records of studies stable since before then that no kept status names (a later
 * delivery makes one again) and the associations' status files go. Failed deliveries stay until they run again. The
 * archive is not touched: the descriptor keeps every study, its deliveries and its validation.log.
 */
export class RetentionSweeper {
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<unknown> | null = null;
  #stopped = false;

  constructor(private readonly deps: RetentionDeps) {}

  start(): void {
    const { policy, logger } = this.deps;
    if (policy.days === 0) return;
    const run = (): void => {
      this.#running = this.sweep()
        .catch((error: unknown) => logger.error({ err: error }, 'retention: sweep failed, tried again at the next interval'))
        .finally(() => {
          this.#running = null;
          if (!this.#stopped) this.#timer = setTimeout(run, policy.sweepIntervalSeconds * 1000).unref();
        });
    };
    run();
  }

  /** Stops the timer; resolves once a sweep under way has ended (it stops at its next batch). */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
  }

  /** One sweep, in batches of short transactions. */
  async sweep(): Promise<Swept> {
    const { data, policy, logger, now = Date.now } = this.deps;
    const cutoff = now() - policy.days * DAY_MS;
    const swept: Swept = { statuses: 0, events: 0, studies: 0, associations: 0 };
    while (!this.#stopped) {
      const removed = await data.prune(cutoff, BATCH);
      swept.statuses += removed.statuses;
      swept.events += removed.events;
      swept.studies += removed.studies;
      if (removed.statuses < BATCH && removed.events < BATCH && removed.studies < BATCH) break;
      await nextTurn();
    }
    if (!this.#stopped) swept.associations = await this.deps.associations.removeBefore(cutoff);
    if (swept.statuses + swept.events + swept.studies + swept.associations > 0) {
      logger.info({ ...swept, retentionDays: policy.days }, 'retention: records past their time removed');
    }
    return swept;
  }
}
