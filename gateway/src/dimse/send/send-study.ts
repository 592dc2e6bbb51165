import type { Socket } from 'node:net';
import dimse from 'dcmjs-dimse';
import { categoryOf, type DimseCategory } from '../dimse-status.ts';
import type { StudyBatch } from './group-by-study.ts';

const { Client } = dimse;
const { CStoreRequest } = dimse.requests;
const { PresentationContext } = dimse.association;

export interface SendTarget {
  host: string;
  port: number;
  calledAeTitle: string;
  callingAeTitle: string;
  /** How long the peer may stay silent (connect, association, each response); default 30 s. */
  timeoutMs?: number;
}

export interface SentInstance {
  SOPInstanceUID: string;
  /** The peer's DIMSE status, or null when it never answered (association failed). */
  status: number | null;
  category: DimseCategory;
  comment: string;
}

export interface StudySendResult {
  StudyInstanceUID: string;
  sent: number;
  warned: number;
  failed: number;
  instances: SentInstance[];
  /** Why the association itself failed (refused, aborted, unreachable), if it did. */
  error: string | null;
}

/**
 * Sends one study's files on one association (dcmjs-dimse's Client): for each SOP class, a context in
 * Implicit and Explicit VR Little Endian, and one in each other transfer syntax its files are in (as
 * dcmjs-dimse proposes them). Each file is read when its turn comes and dropped once answered. Resolves,
 * never rejects: an instance without an answer counts as failed.
 */
export function sendStudy(batch: StudyBatch, target: SendTarget): Promise<StudySendResult> {
  const timeoutMs = target.timeoutMs ?? 30_000;
  const client = new Client();
  const instances: SentInstance[] = batch.files.map((file) => ({ SOPInstanceUID: file.SOPInstanceUID, status: null, category: 'failure', comment: '' }));
  let error: string | null = null;
  batch.files.forEach((file, index) => {
    const request = new CStoreRequest(file.path);
    request.on('response', (response: InstanceType<typeof dimse.responses.CStoreResponse>) => {
      const status = response.getStatus();
      instances[index] = { SOPInstanceUID: file.SOPInstanceUID, status, category: categoryOf(status), comment: response.getErrorComment?.() ?? '' };
      // dcmjs-dimse keeps answered requests: their data sets go now.
      request.setDataset(undefined as never);
    });
    client.addRequest(request);
  });
  // A compressed file in a syntax dcmjs-dimse would not propose by itself still gets its own context.
  let contextId = 1;
  for (const file of batch.files) {
    if (file.TransferSyntaxUID === dimse.constants.TransferSyntax.ImplicitVRLittleEndian || file.TransferSyntaxUID === dimse.constants.TransferSyntax.ExplicitVRLittleEndian) continue;
    client.addAdditionalPresentationContext(new PresentationContext(contextId, file.SOPClassUID, file.TransferSyntaxUID));
    contextId += 2;
  }
  return new Promise((resolve) => {
    client.on('associationRejected', (reject: { result: number; source: number; reason: number }) => {
      error = `association rejected: ${describeRejection(reject)}`;
    });
    client.on('networkError', (failure: Error) => {
      error ??= failure.message;
    });
    client.on('closed', () => {
      const counted = (category: DimseCategory) => instances.filter((i) => i.category === category).length;
      const answered = instances.filter((i) => i.status !== null).length;
      if (error === null && answered < instances.length) error = `the association ended after ${answered} of ${instances.length} answers`;
      resolve({ StudyInstanceUID: batch.StudyInstanceUID, sent: counted('success'), warned: counted('warning'), failed: counted('failure'), instances, error });
    });
    try {
      client.send(target.host, target.port, target.callingAeTitle, target.calledAeTitle, { connectTimeout: timeoutMs, associationTimeout: timeoutMs, pduTimeout: timeoutMs });
      // Without TCP_NODELAY every exchange waits ~40 ms for Nagle and the peer's delayed ACK.
      (client as unknown as { network?: { socket?: Socket } }).network?.socket?.setNoDelay(true);
    } catch (failure) {
      resolve({ StudyInstanceUID: batch.StudyInstanceUID, sent: 0, warned: 0, failed: instances.length, instances, error: (failure as Error).message });
    }
  });
}

/** A-ASSOCIATE-RJ result, source and reason in words (PS3.8 §9.3.4, Table 9-21). */
export function describeRejection({ result, source, reason }: { result: number; source: number; reason: number }): string {
  const words: Record<string, string> = {
    '1/1': 'no reason given',
    '1/2': 'application context name not supported',
    '1/3': 'calling AE title not recognized',
    '1/7': 'called AE title not recognized',
    '2/1': 'no reason given',
    '2/2': 'protocol version not supported',
    '3/1': 'temporary congestion',
    '3/2': 'local limit exceeded',
  };
  const why = words[`${source}/${reason}`] ?? `source ${source}, reason ${reason}`;
  return `${why} (${result === 1 ? 'permanent' : 'transient'})`;
}
