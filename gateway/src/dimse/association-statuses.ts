import { mkdirSync } from 'node:fs';
import { readdir, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import {
  isStudyId,
  timeOfStudyId,
  writeJsonAtomic,
  type AssociationEventType,
  type AssociationTally,
  type LifecycleEvent,
} from '@dsv/common';
import type { DimseCategory } from './dimse-status.ts';

/** One C-STORE of an association, as GET /status/<association id> lists it. */
export interface AssociationInstance {
  SOPInstanceUID: string;
  SOPClassUID: string;
  transferSyntaxUID: string;
  /** The instance's own delivery (its pipeline run); null when it was refused before one was made. */
  deliveryId: string | null;
  /** The DIMSE status answered, 4 hex digits ("0000", "B007", "A900" …). */
  status: string;
  category: DimseCategory;
  code: string;
  comment: string;
  statusUrl: string | null;
}

/** The events an association's status lists: as published, and as the feed holds them. */
export type AssociationEvent = LifecycleEvent<Exclude<AssociationEventType, 'association.rejected'>>;

/**
 * An association is one delivery seen from the network: its peer, the instances it sent (each with the
 * DIMSE status answered and the id of its own one-file delivery) and the DICOM studies they reached.
 */
export interface AssociationStatus {
  id: string;
  kind: 'association';
  state: 'open' | 'released' | 'aborted';
  peer: { callingAeTitle: string; calledAeTitle: string; address: string };
  counts: { instances: number; stored: number; warned: number; failed: number };
  instances: AssociationInstance[];
  studies: { StudyInstanceUID: string; url: string }[];
  events: AssociationEvent[];
  createdAt: string;
  updatedAt: string;
  endedAt: string | null;
}

/**
 * The associations' statuses: in memory while open, then written once as `<dir>/<id>.json` when the
 * association ends (each instance's delivery has its own status in the database meanwhile, whose
 * correlationId is the association's id). A gateway stopped while an association is open keeps its
 * instances' deliveries, not the association's list.
 */
export class AssociationStatuses {
  private readonly open = new Map<string, AssociationStatus>();

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  /** An association accepted: its status, open, listing `accepted` (its association.accepted event). */
  begin(id: string, peer: AssociationStatus['peer'], accepted: AssociationEvent): AssociationStatus {
    const now = accepted.time;
    const status: AssociationStatus = {
      id,
      kind: 'association',
      state: 'open',
      peer,
      counts: { instances: 0, stored: 0, warned: 0, failed: 0 },
      instances: [],
      studies: [],
      events: [accepted],
      createdAt: now,
      updatedAt: now,
      endedAt: null,
    };
    this.open.set(id, status);
    return status;
  }

  record(id: string, instance: AssociationInstance, StudyInstanceUID: string | null): void {
    const status = this.open.get(id);
    if (!status) return;
    status.instances.push(instance);
    status.counts.instances += 1;
    if (instance.category === 'success') status.counts.stored += 1;
    else if (instance.category === 'warning') status.counts.warned += 1;
    else status.counts.failed += 1;
    if (StudyInstanceUID && !status.studies.some((s) => s.StudyInstanceUID === StudyInstanceUID)) {
      status.studies.push({ StudyInstanceUID, url: `/studies/${StudyInstanceUID}` });
    }
    status.updatedAt = new Date().toISOString();
  }

  /** An open association's instances by DIMSE status class, and the studies they joined: its closing event's data. */
  tally(id: string): AssociationTally | undefined {
    const status = this.open.get(id);
    if (!status) return undefined;
    const { instances, stored, warned, failed } = status.counts;
    return {
      instances,
      success: stored,
      warning: warned,
      failure: failed,
      studyInstanceUids: status.studies.map((s) => s.StudyInstanceUID),
    };
  }

  /** Ends an association with its closing event (association.released or .aborted) and writes its status; resolves once written. */
  async end(id: string, ended: AssociationEvent): Promise<void> {
    const status = this.open.get(id);
    if (!status) return;
    status.state = ended.type === 'association.released' ? 'released' : 'aborted';
    status.endedAt = ended.time;
    status.updatedAt = ended.time;
    status.events.push(ended);
    try {
      await writeJsonAtomic(path.join(this.dir, `${id}.json`), status);
    } finally {
      this.open.delete(id);
    }
  }

  async get(id: string): Promise<AssociationStatus | undefined> {
    const held = this.open.get(id);
    if (held) return held;
    try {
      return JSON.parse(await readFile(path.join(this.dir, `${id}.json`), 'utf8')) as AssociationStatus;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /**
   * Retention: removes the written statuses of the associations accepted before `cutoff` (milliseconds
   * since the epoch; their ids are ULIDs, which carry that time). Answers how many went.
   */
  async removeBefore(cutoff: number): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      // The folder removed by hand: nothing to remove.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw error;
    }
    let removed = 0;
    for (const name of names) {
      const id = name.endsWith('.json') ? name.slice(0, -'.json'.length) : '';
      if (!isStudyId(id) || (timeOfStudyId(id)?.getTime() ?? cutoff) >= cutoff) continue;
      try {
        await unlink(path.join(this.dir, name));
        removed++;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    return removed;
  }

  get openCount(): number {
    return this.open.size;
  }
}

/** The associations' folder, beside the gateway's database. */
export function associationStatusDir(dataDir: string): string {
  return path.resolve(dataDir, 'associations');
}
