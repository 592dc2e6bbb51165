import { mkdir } from 'node:fs/promises';
import type { Logger } from '@dsv/common';
import { StatusJournal } from './status-journal.ts';
import { TerminalStates, type StudyState, type StudyStatus } from './study-status.ts';

/** Finished statuses kept parsed in memory by default (config finishedStatusesInMemory). */
export const DEFAULT_FINISHED_IN_MEMORY = 1000;

export interface StatusStoreOptions {
  minRollBytes?: number;
  /** How many finished statuses (stored, rejected, failed) stay parsed in memory, the latest used. */
  finishedInMemory?: number;
}

/** What the store found on disk when it opened. */
export interface OpenedStatuses {
  /** Uploads with a status. */
  count: number;
  /** Those not finished: a stop or a crash came before their end, and they run again. */
  unfinished: StudyStatus[];
}

/**
 * The status of every upload, on disk (`<statusDir>/statuses.ndjson`, an append-only journal:
 * status-journal.ts), so that GET /status/<id> answers the same after a restart. In memory, parsed: the
 * unfinished statuses and the last `finishedInMemory` finished ones used; any other is parsed back from
 * its journal line when asked, so the gateway does not hold the status of every upload it ever took.
 *
 * A change can stay in memory when losing it in a crash is harmless (the pipeline runs an unfinished study
 * again from the start); such a status is never dropped from memory before a persisted change follows. A
 * persisted change is appended whole, so the last line of an id is its latest status.
 */
export class StatusStore {
  private readonly live = new Map<string, StudyStatus>();
  /** The finished ids among `live`, least recently used first. */
  private readonly finished = new Set<string>();
  /** Ids whose status in memory has changes the journal does not have. */
  private readonly unsaved = new Set<string>();
  private readonly journal: StatusJournal;
  private readonly finishedInMemory: number;
  private waiting = 0;

  constructor(private readonly dir: string, logger: Logger, options: StatusStoreOptions = {}) {
    this.journal = new StatusJournal(dir, options.minRollBytes, logger);
    this.finishedInMemory = options.finishedInMemory ?? DEFAULT_FINISHED_IN_MEMORY;
  }

  /** Reads the statuses back, showing each to `visit` once, oldest first (ids sort by time). */
  async open(visit: (status: StudyStatus) => void = () => undefined): Promise<OpenedStatuses> {
    await mkdir(this.dir, { recursive: true });
    const unfinished: StudyStatus[] = [];
    this.journal.open((status) => {
      visit(status);
      this.live.set(status.id, status);
      if (!TerminalStates.has(status.state)) unfinished.push(status);
      this.touch(status);
    });
    return { count: this.journal.count, unfinished };
  }

  /** Stops writing (after the pipeline has drained); a compaction under way ends without a change. */
  close(): void {
    this.journal.close();
  }

  /** Resolves once the journal's compaction under way, if any, has ended. */
  compacted(): Promise<void> {
    return this.journal.compacted();
  }

  /** The status of `id`; a finished one not in memory is read back and kept (as the latest used). */
  get(id: string): StudyStatus | undefined {
    const known = this.live.get(id);
    if (known) return known;
    const status = this.journal.read(id);
    if (!status) return undefined;
    this.live.set(id, status);
    this.touch(status);
    return status;
  }

  /** The state of `id`, without reading its status back. */
  stateOf(id: string): StudyState | undefined {
    return this.live.get(id)?.state ?? this.journal.stateOf(id);
  }

  /**
   * Statuses with an id after `after` (ids sort by time), in `state` when given, oldest first, at most
   * `limit`; `more` when others follow. Walks the ids from `after` on, only as far as the page needs;
   * those not in memory are read back for the answer only.
   */
  page({ after, state, limit }: { after?: string | undefined; state?: StudyState | undefined; limit: number }): { statuses: StudyStatus[]; more: boolean } {
    const statuses: StudyStatus[] = [];
    for (const id of this.journal.idsAfter(after)) {
      if (state !== undefined && this.stateOf(id) !== state) continue;
      if (statuses.length === limit) return { statuses, more: true };
      statuses.push(this.live.get(id) ?? this.journal.read(id)!);
    }
    return { statuses, more: false };
  }

  /**
   * Applies a change and stamps updatedAt; with `persist` (the default), resolves once it is on disk,
   * otherwise at once, leaving the file as the last persisted change wrote it.
   */
  async update(id: string, change: (status: StudyStatus) => void, { persist = true }: { persist?: boolean } = {}): Promise<StudyStatus> {
    const status = this.get(id);
    if (!status) throw new Error(`no status for ${id}`);
    change(status);
    status.updatedAt = new Date().toISOString();
    if (!persist) {
      this.unsaved.add(id);
      this.touch(status);
      return status;
    }
    const durable = this.persist(status);
    this.touch(status);
    await durable;
    return status;
  }

  async create(status: StudyStatus): Promise<void> {
    this.live.set(status.id, status);
    const durable = this.persist(status);
    this.touch(status);
    await durable;
  }

  /** Appends the status (synchronously: its line is in the journal when this returns), then waits for its flush. */
  private async persist(status: StudyStatus): Promise<void> {
    this.unsaved.delete(status.id);
    this.waiting += 1;
    try {
      await this.journal.append(status);
    } finally {
      this.waiting -= 1;
    }
  }

  /** Marks `status` the latest used, and drops the least recently used finished ones past the limit. */
  private touch(status: StudyStatus): void {
    this.finished.delete(status.id);
    if (!TerminalStates.has(status.state)) return;
    this.finished.add(status.id);
    for (const id of this.finished) {
      if (this.finished.size <= this.finishedInMemory) break;
      // A change not persisted would be lost with it: it waits for the next persisted one.
      if (this.unsaved.has(id)) continue;
      this.finished.delete(id);
      this.live.delete(id);
    }
  }

  /** How many changes wait for their flush (for the tests: nothing stays pending). */
  get pendingWrites(): number {
    return this.waiting;
  }

  /** Statuses parsed in memory (for the tests: the finished ones beyond the limit are not). */
  get inMemory(): number {
    return this.live.size;
  }
}
