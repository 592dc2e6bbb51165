import { mkdir } from 'node:fs/promises';
import type { Logger } from '@dsv/common';
import { readStatusJournal, StatusJournal } from './status-journal.ts';
import type { StudyState, StudyStatus } from './study-status.ts';

/**
 * The status of every upload, in memory and on disk (`<statusDir>/statuses.ndjson`, an append-only
 * journal: status-journal.ts), so that GET /status/<id> answers the same after a restart. A change can
 * stay in memory when losing it in a crash is harmless (the pipeline runs an unfinished study again from
 * the start); a persisted change is appended whole, so the last line of an id is its latest status.
 */
export class StatusStore {
  private readonly statuses = new Map<string, StudyStatus>();
  private readonly journal: StatusJournal;
  private waiting = 0;

  constructor(private readonly dir: string, private readonly logger: Logger, options: { minRollBytes?: number } = {}) {
    this.journal = new StatusJournal(dir, options.minRollBytes);
  }

  async open(): Promise<StudyStatus[]> {
    await mkdir(this.dir, { recursive: true });
    for (const status of readStatusJournal(this.dir, this.logger).values()) this.statuses.set(status.id, status);
    this.journal.open(this.list());
    return [...this.statuses.values()];
  }

  /** Stops writing (after the pipeline has drained). */
  close(): void {
    this.journal.close();
  }

  get(id: string): StudyStatus | undefined {
    return this.statuses.get(id);
  }

  /** Every status, oldest first (ids sort by time). */
  list(): StudyStatus[] {
    return [...this.statuses.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  /**
   * Statuses with an id after `after` (ids sort by time), in `state` when given, oldest first, at most
   * `limit`; `more` when others follow.
   */
  page({ after, state, limit }: { after?: string | undefined; state?: StudyState | undefined; limit: number }): { statuses: StudyStatus[]; more: boolean } {
    const matching: StudyStatus[] = [];
    for (const status of this.statuses.values()) {
      if ((after === undefined || status.id > after) && (state === undefined || status.state === state)) matching.push(status);
    }
    matching.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return { statuses: matching.slice(0, limit), more: matching.length > limit };
  }

  /**
   * Applies a change and stamps updatedAt; with `persist` (the default), resolves once it is on disk,
   * otherwise at once, leaving the file as the last persisted change wrote it.
   */
  async update(id: string, change: (status: StudyStatus) => void, { persist = true }: { persist?: boolean } = {}): Promise<StudyStatus> {
    const status = this.statuses.get(id);
    if (!status) throw new Error(`no status for ${id}`);
    change(status);
    status.updatedAt = new Date().toISOString();
    if (persist) await this.persist(status);
    return status;
  }

  async create(status: StudyStatus): Promise<void> {
    this.statuses.set(status.id, status);
    await this.persist(status);
  }

  private async persist(status: StudyStatus): Promise<void> {
    this.waiting += 1;
    try {
      await this.journal.append(status, () => this.statuses.values());
    } finally {
      this.waiting -= 1;
    }
  }

  /** How many changes wait for their flush (for the tests: nothing stays pending). */
  get pendingWrites(): number {
    return this.waiting;
  }
}
