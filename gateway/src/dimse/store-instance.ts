import path from 'node:path';
import { syncDirectory, type EventBus } from '@dsv/common';
import type { StatusStore } from '../domain/status-store.ts';
import type { StudyPipeline } from '../domain/study-pipeline.ts';
import { newDeliveryStatus, studyUidOf } from '../domain/study-status.ts';
import { verdictOfDelivery, type DimseVerdict } from './dimse-status.ts';
import type { SinkResult } from './staging-sink.ts';

export interface ReceivedInstance {
  /** The instance's delivery id (a ULID), also its staging folder's name. */
  id: string;
  dir: string;
  associationId: string;
  sopInstanceUid: string;
  result: SinkResult;
}

export type StoreInstance = (instance: ReceivedInstance) => Promise<{ verdict: DimseVerdict; studyUid: string | null }>;

export interface StoreInstanceDeps {
  store: StatusStore;
  pipeline: StudyPipeline;
  events: EventBus;
}

/**
 * One C-STORE's instance, staged and flushed, becomes a one-file delivery, exactly as a one-file upload
 * would: a status written in 'received' (its correlationId is the association's id), then the pipeline
 * (validator, then the descriptor's join). Resolves with the DIMSE verdict of its final state.
 */
export function storeInstanceWith(deps: StoreInstanceDeps): StoreInstance {
  return async ({ id, dir, associationId, sopInstanceUid, result }) => {
    // The file was flushed as it closed; its name and its folder's must be on disk too before it counts.
    await Promise.all([syncDirectory(dir), syncDirectory(path.dirname(dir))]);
    const file = {
      file: '0001.dcm',
      clientName: `${sopInstanceUid}.dcm`.slice(0, 255),
      sizeBytes: result.sizeBytes,
      sha256: result.sha256,
    };
    const status = newDeliveryStatus(id, [file], associationId);
    status.events.push(
      deps.events.publish('study.uploaded', { studyId: id, correlationId: associationId }, { files: 1, bytes: result.sizeBytes }),
    );
    await deps.store.create(status);
    const final = await deps.pipeline.submit(id);
    return { verdict: verdictOfDelivery(final), studyUid: final.state === 'stored' ? studyUidOf(final) : null };
  };
}
