import type { EventBus } from '@dsv/common';
import type { StatusStore } from '../domain/status-store.ts';
import type { StudyPipeline } from '../domain/study-pipeline.ts';
import { newDeliveryStatus, studyUidOf } from '../domain/study-status.ts';
import { verdictOfDelivery, type DimseVerdict } from './dimse-status.ts';
import type { SinkResult } from './staging-sink.ts';

export interface ReceivedInstance {
  /** The instance's delivery id (a ULID), also its staging folder's name. */
  id: string;
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
 * One C-STORE's instance, staged and flushed, becomes a one-file delivery, as a one-file upload would (its
 * correlationId is the association's id), through the same pipeline (validator, then the descriptor's
 * join). Resolves with the DIMSE verdict of its final state.
 *
 * Unlike an upload, nothing is promised before that final state: the peer keeps the instance until it
 * has our response (PS3.4 §B.2.3; an SCU sends again one that was not answered), and the response waits
 * for the descriptor's join, which flushes the study folder that now names the staged file (flushed as
 * it closed), and for the final state's write (which marks the study receiving for the stability
 * checks). So the 'received' state is held in memory only, written with the final state in one commit,
 * and the staging folder is not flushed: a crash before the answer leaves a folder without a status,
 * which the next start removes (sweep-staging.ts), and an instance the peer sends again.
 */
export function storeInstanceWith(deps: StoreInstanceDeps): StoreInstance {
  return async ({ id, associationId, sopInstanceUid, result }) => {
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
    await deps.store.create(status, { persist: false });
    // The peer does not read the study's documents: they follow the response (DescribeRequest.awaitDocuments).
    const final = await deps.pipeline.submitHeld(id, { awaitDocuments: false });
    return { verdict: verdictOfDelivery(final), studyUid: final.state === 'stored' ? studyUidOf(final) : null };
  };
}
