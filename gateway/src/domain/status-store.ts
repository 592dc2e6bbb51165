import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { isStudyId, writeJsonAtomic, type Logger } from '@dsv/common';
import type { StudyStatus } from './study-status.ts';

/**
 * The status of every upload, in memory and on disk (`<statusDir>/<id>.json`, written atomically), so
 * that GET /status/<id> answers the same after a restart. Writes of one id are serialised.
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

  /** Applies a change, stamps updatedAt, and persists it before resolving. */
  async update(id: string, change: (status: StudyStatus) => void): Promise<StudyStatus> {
    const status = this.statuses.get(id);
    if (!status) throw new Error(`no status for ${id}`);
    change(status);
    status.updatedAt = new Date().toISOString();
    await this.persist(status);
    return status;
  }

  async create(status: StudyStatus): Promise<void> {
    this.statuses.set(status.id, status);
    await this.persist(status);
  }

  private persist(status: StudyStatus): Promise<void> {
    const snapshot = structuredClone(status);
    const previous = this.writes.get(status.id) ?? Promise.resolve();
    const write = previous.then(() => writeJsonAtomic(path.join(this.dir, `${status.id}.json`), snapshot));
    this.writes.set(status.id, write.catch(() => undefined));
    return write;
  }
}
