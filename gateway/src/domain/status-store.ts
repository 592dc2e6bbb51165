import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { isStudyId, writeFileAtomic, type Logger } from '@dsv/common';
import type { StudyStatus } from './study-status.ts';

/**
 * The status of every upload, in memory and on disk (`<statusDir>/<id>.json`, written atomically as
 * compact JSON), so that GET /status/<id> answers the same after a restart. Writes of one id are
 * serialised. A change can stay in memory when losing it in a crash is harmless (the pipeline runs an
 * unfinished study again from the start): each write is an fsync and a rename.
 */
export class StatusStore {
  private readonly statuses = new Map<string, StudyStatus>();
  private readonly writes = new Map<string, Promise<void>>();

  constructor(private readonly dir: string, private readonly logger: Logger) {}

  async open(): Promise<StudyStatus[]> {
    await mkdir(this.dir, { recursive: true });
    for (const name of await readdir(this.dir)) {
      // A temporary file of an atomic write a crash interrupted: the status it was replacing is intact.
      if (name.startsWith('.') && name.endsWith('.tmp')) {
        await rm(path.join(this.dir, name), { force: true });
        continue;
      }
      const id = name.replace(/\.json$/, '');
      if (!name.endsWith('.json') || !isStudyId(id)) continue;
      try {
        const status = JSON.parse(await readFile(path.join(this.dir, name), 'utf8')) as StudyStatus;
        this.statuses.set(status.id, status);
      } catch (error) {
        this.logger.warn({ studyId: id, err: error }, 'unreadable status file skipped');
      }
    }
    return [...this.statuses.values()];
  }

  get(id: string): StudyStatus | undefined {
    return this.statuses.get(id);
  }

  /** Every status, oldest first (ids sort by time). */
  list(): StudyStatus[] {
    return [...this.statuses.values()].sort((a, b) => a.id.localeCompare(b.id));
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

  private persist(status: StudyStatus): Promise<void> {
    // Serialised now: the status may change again before the previous write of this id has ended.
    const snapshot = JSON.stringify(status);
    const { id } = status;
    const previous = this.writes.get(id) ?? Promise.resolve();
    const write = previous.then(() => writeFileAtomic(path.join(this.dir, `${id}.json`), snapshot));
    const settled: Promise<void> = write.then(
      () => this.forget(id, settled),
      () => this.forget(id, settled),
    );
    this.writes.set(id, settled);
    return write;
  }

  /** A write that has settled is dropped, unless a later one of the same id already waits on it. */
  private forget(id: string, write: Promise<void>): void {
    if (this.writes.get(id) === write) this.writes.delete(id);
  }

  /** How many ids have a write under way (for the tests: the map does not grow with every upload). */
  get pendingWrites(): number {
    return this.writes.size;
  }
}
