import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeJsonAtomic } from '@dsv/common';
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

export interface AssociationEvent {
  type: 'association.accepted' | 'association.released' | 'association.aborted';
  time: string;
  data: Record<string, unknown>;
}

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

  begin(id: string, peer: AssociationStatus['peer'], contexts: { accepted: number; rejected: number }): AssociationStatus {
    const now = new Date().toISOString();
    const status: AssociationStatus = {
      id,
      kind: 'association',
      state: 'open',
      peer,
      counts: { instances: 0, stored: 0, warned: 0, failed: 0 },
      instances: [],
      studies: [],
      events: [{ type: 'association.accepted', time: now, data: { ...contexts } }],
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

  /** Ends an association and writes its status; resolves once written. */
  async end(id: string, state: 'released' | 'aborted', data: Record<string, unknown> = {}): Promise<void> {
    const status = this.open.get(id);
    if (!status) return;
    const now = new Date().toISOString();
    status.state = state;
    status.endedAt = now;
    status.updatedAt = now;
    status.events.push({ type: state === 'released' ? 'association.released' : 'association.aborted', time: now, data: { ...status.counts, ...data } });
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

  get openCount(): number {
    return this.open.size;
  }
}

/** The associations' folder, beside the gateway's database. */
export function associationStatusDir(dataDir: string): string {
  return path.resolve(dataDir, 'associations');
}
