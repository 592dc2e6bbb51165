import type { Delivered, GatewayData, StatusLine, StatusQuery } from '../data/gateway-data.ts';
import { studyUidOf, TerminalStates, type StudyState, type StudyStatus } from './study-status.ts';

/** What the store found in the database when it opened. */
export interface OpenedStatuses {
  /** Deliveries with a status. */
  count: number;
  /** Those not finished: a stop or a crash came before their end, and they run again. */
  unfinished: StudyStatus[];
}

export interface UpdateOptions {
  /** false: the change stays in memory; the database keeps the last persisted change. */
  persist?: boolean;
  /** The delivery joined this study: written with the status, in its transaction. */
  delivered?: Delivered;
}

/**
 * The status of every delivery, in the database (GatewayData), so that GET /status/<id> answers the same
 * after a restart. In memory: the statuses not finished, and a finished one while it has a change the
 * database does not have yet; any other is read back when asked.
 *
 * A change can stay in memory when losing it in a crash is harmless (the pipeline runs an unfinished
 * delivery again from the start); such a status stays in memory until a persisted change follows. The
 * writes of one status go one after another, each the whole status as it was when asked for, so the
 * last one written is its latest persisted change.
 */
export class StatusStore {
  private readonly live = new Map<string, StudyStatus>();
  /** Ids whose status in memory has changes the database does not have. */
  private readonly unsaved = new Set<string>();
  /** Per id, its last write asked for: the next one starts after it. */
  private readonly writes = new Map<string, Promise<void>>();
  private waiting = 0;

  constructor(private readonly data: GatewayData) {}

  /** Takes the unfinished statuses into memory: they run again. */
  async open(): Promise<OpenedStatuses> {
    const unfinished = await this.data.unfinishedStatuses();
    for (const status of unfinished) this.live.set(status.id, status);
    return { count: await this.data.countStatuses(), unfinished };
  }

  /** The status of `id`: the one in memory, else as the database has it. */
  async get(id: string): Promise<StudyStatus | undefined> {
    return this.live.get(id) ?? (await this.data.readStatus(id));
  }

  /**
   * The status in memory, the one update() changes: every unfinished status is, so the pipeline reads
   * here, without waiting, the change it has just made.
   */
  held(id: string): StudyStatus | undefined {
    return this.live.get(id);
  }

  async stateOf(id: string): Promise<StudyState | undefined> {
    return this.live.get(id)?.state ?? (await this.data.stateOf(id));
  }

  /** A page of statuses in short (GatewayData.pageStatuses), with the states of those in memory. */
  async page(query: StatusQuery): Promise<{ statuses: StatusLine[]; more: boolean }> {
    const { statuses, more } = await this.data.pageStatuses(query);
    return {
      statuses: statuses.map((line) => {
        const status = this.live.get(line.id);
        if (!status) return line;
        const { id, state, outcome, attempts, createdAt, updatedAt } = status;
        return { id, state, StudyInstanceUID: studyUidOf(status), outcome, attempts, createdAt, updatedAt };
      }),
      more,
    };
  }

  /**
   * Applies a change and stamps updatedAt; with `persist` (the default), resolves once it is written.
   * For a status in memory the change is made before this returns (the write follows); any other is
   * read back first.
   */
  update(id: string, change: (status: StudyStatus) => void, options: UpdateOptions = {}): Promise<StudyStatus> {
    const held = this.live.get(id);
    if (held) return this.apply(held, change, options);
    return this.hold(id).then((status) => this.apply(status, change, options));
  }

  /**
   * Writes a new status; one that could not be written is forgotten (the upload was not accepted).
   * `persist: false`: held in memory only, written with its next persisted change (a delivery nobody has
   * been answered for yet, whose loss in a crash loses nothing: see store-instance.ts).
   */
  async create(status: StudyStatus, { persist = true }: { persist?: boolean } = {}): Promise<void> {
    this.live.set(status.id, status);
    if (!persist) {
      this.unsaved.add(status.id);
      return;
    }
    try {
      await this.write(status);
    } catch (error) {
      this.live.delete(status.id);
      this.unsaved.delete(status.id);
      throw error;
    }
  }

  /** Resolves when the last write asked for this status has ended (rejects if it failed). */
  written(id: string): Promise<void> {
    return this.writes.get(id) ?? Promise.resolve();
  }

  /** How many writes have not ended (for the tests: nothing stays pending). */
  get pendingWrites(): number {
    return this.waiting;
  }

  /** Statuses held in memory (for the tests: finished ones are not kept). */
  get inMemory(): number {
    return this.live.size;
  }

  private async apply(
    status: StudyStatus,
    change: (status: StudyStatus) => void,
    { persist = true, delivered }: UpdateOptions,
  ): Promise<StudyStatus> {
    change(status);
    status.updatedAt = new Date().toISOString();
    if (!persist) {
      this.unsaved.add(status.id);
      return status;
    }
    await this.write(status, delivered);
    return status;
  }

  /** Reads a status back into memory; one object per id, even when two updates read it at once. */
  private async hold(id: string): Promise<StudyStatus> {
    const read = await this.data.readStatus(id);
    const held = this.live.get(id);
    if (held) return held;
    if (!read) throw new Error(`no status for ${id}`);
    this.live.set(id, read);
    return read;
  }

  private write(status: StudyStatus, delivered?: Delivered): Promise<void> {
    const { id } = status;
    // The snapshot is taken now: a change made in memory meanwhile is not written by this write.
    const snapshot = {
      id,
      state: status.state,
      StudyInstanceUID: studyUidOf(status),
      attempts: status.attempts,
      outcome: status.outcome,
      createdAt: status.createdAt,
      updatedAt: status.updatedAt,
      json: JSON.stringify(status),
      events: [...status.events],
    };
    this.unsaved.delete(id);
    this.waiting += 1;
    const before = this.writes.get(id) ?? Promise.resolve();
    const written = before
      .catch(() => undefined)
      .then(() => this.data.writeStatus(snapshot, delivered))
      .catch((error: unknown) => {
        // The database keeps the change before: the one in memory stays, unsaved, for the next write.
        this.unsaved.add(id);
        throw error;
      })
      .finally(() => {
        this.waiting -= 1;
        if (this.writes.get(id) !== written) return;
        this.writes.delete(id);
        if (TerminalStates.has(status.state) && !this.unsaved.has(id) && this.live.get(id) === status) this.live.delete(id);
      });
    this.writes.set(id, written);
    return written;
  }
}
