import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
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
  const instances: SentInstance[] = batch.files.map((file) => ({
    SOPInstanceUID: file.SOPInstanceUID,
    status: null,
    category: 'failure',
    comment: '',
  }));
  let error: string | null = null;
  const requests = batch.files.map((file, index) => {
    const request = new CStoreRequest(file.path);
    request.on('response', (response: InstanceType<typeof dimse.responses.CStoreResponse>) => {
      const status = response.getStatus();
      instances[index] = {
        SOPInstanceUID: file.SOPInstanceUID,
        status,
        category: categoryOf(status),
        comment: response.getErrorComment?.() ?? '',
      };
      // dcmjs-dimse keeps answered requests: their data sets go now.
      request.setDataset(undefined as never);
    });
    client.addRequest(request);
    return request;
  });
  // A compressed file in a syntax dcmjs-dimse would not propose by itself still gets its own context.
  let contextId = 1;
  for (const file of batch.files) {
    if (
      file.TransferSyntaxUID === dimse.constants.TransferSyntax.ImplicitVRLittleEndian ||
      file.TransferSyntaxUID === dimse.constants.TransferSyntax.ExplicitVRLittleEndian
    )
      continue;
    client.addAdditionalPresentationContext(new PresentationContext(contextId, file.SOPClassUID, file.TransferSyntaxUID));
    contextId += 2;
  }
  return new Promise((resolve) => {
    // Emitted before the requests go: each file in the transfer syntax the peer accepted for it is sent
    // as its bytes are, not decoded and re-encoded by dcmjs (which would change them, and a study that
    // holds them would see another instance under the same UID).
    client.on('associationAccepted', (association: InstanceType<typeof dimse.association.Association>) => {
      requests.forEach((request, index) => {
        const file = batch.files[index]!;
        const context = association.getAcceptedPresentationContextFromRequest(request);
        if (context?.getAcceptedTransferSyntaxUid() !== file.TransferSyntaxUID || !startsWithGroupLength(file.path)) return;
        (request as unknown as { needsFullDatasetLoading: boolean }).needsFullDatasetLoading = false;
        request.setDataset(rawDataset(file.path, file.TransferSyntaxUID) as never);
      });
    });
    client.on('associationRejected', (reject: { result: number; source: number; reason: number }) => {
      error = `association rejected: ${describeRejection(reject)}`;
    });
    client.on('networkError', (failure: Error) => {
      error ??= failure.message;
      // dcmjs-dimse only half-closes: a peer that never reads nor closes would keep the send open forever.
      setTimeout(() => (client as unknown as { network?: { socket?: Socket } }).network?.socket?.destroy(), 1000).unref();
    });
    client.on('closed', () => {
      const counted = (category: DimseCategory) => instances.filter((i) => i.category === category).length;
      const answered = instances.filter((i) => i.status !== null).length;
      if (error === null && answered < instances.length) error = `the association ended after ${answered} of ${instances.length} answers`;
      resolve({
        StudyInstanceUID: batch.StudyInstanceUID,
        sent: counted('success'),
        warned: counted('warning'),
        failed: counted('failure'),
        instances,
        error,
      });
    });
    try {
      client.send(target.host, target.port, target.callingAeTitle, target.calledAeTitle, {
        connectTimeout: timeoutMs,
        associationTimeout: timeoutMs,
        pduTimeout: timeoutMs,
      });
      const network = (
        client as unknown as {
          network?: { socket?: Socket; on(event: 'abort', listener: (abort: { source: number; reason: number }) => void): void };
        }
      ).network;
      // Without TCP_NODELAY every exchange waits ~40 ms for Nagle and the peer's delayed ACK.
      network?.socket?.setNoDelay(true);
      // dcmjs-dimse's Client ignores an A-ABORT; PS3.8 §9.2.3 (AA-3) closes the connection on one, so the
      // send ends now rather than when the peer gives up on us.
      network?.on('abort', ({ source, reason }) => {
        error ??= `association aborted by the peer (source ${source}, reason ${reason})`;
        network.socket?.destroy();
      });
    } catch (failure) {
      resolve({
        StudyInstanceUID: batch.StudyInstanceUID,
        sent: 0,
        warned: 0,
        failed: instances.length,
        instances,
        error: (failure as Error).message,
      });
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

/**
 * The data set of a Part 10 file as dcmjs-dimse sends it: its bytes after the File Meta Information
 * (PS3.10 §7.1: the group length (0002,0000) at offset 140 says how long the meta is), read when sent.
 */
function rawDataset(file: string, transferSyntaxUid: string) {
  return {
    getTransferSyntaxUid: () => transferSyntaxUid,
    getDenaturalizedDataset: (): Buffer => {
      const bytes = readFileSync(file);
      return bytes.subarray(144 + bytes.readUInt32LE(140));
    },
    getElement: () => undefined,
    toString: () => `data set of ${file}`,
  };
}

/** The meta begins with (0002,0000) UL, its group length (PS3.10 §7.1 makes it required). */
function startsWithGroupLength(file: string): boolean {
  const head = Buffer.alloc(144);
  const fd = openSync(file, 'r');
  try {
    if (readSync(fd, head, 0, 144, 0) < 144) return false;
  } finally {
    closeSync(fd);
  }
  return head.readUInt32LE(132) === 0x0002 && head.toString('latin1', 136, 138) === 'UL' && head.readUInt16LE(138) === 4;
}
