import path from 'node:path';
import type { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { newStudyId, type AssociationAborted, type AssociationRejected, type Logger } from '@dsv/common';
import dimse from 'dcmjs-dimse';
import { acceptContexts, type ProposedContext } from './accept-contexts.ts';
import type { AnnounceAssociation } from './announce-association.ts';
import type { AssociationStatuses } from './association-statuses.ts';
import type { DimseConfig } from './dimse-config.ts';
import { verdictOfCode, type DimseVerdict } from './dimse-status.ts';
import { buildPart10Header } from './part10-header.ts';
import { StagingSink } from './staging-sink.ts';
import type { StoreInstance } from './store-instance.ts';

const { Scp, Dataset } = dimse;
const { RejectResult, RejectSource, RejectReason } = dimse.constants;
const { CEchoResponse, CStoreResponse } = dimse.responses;
type Association = InstanceType<typeof dimse.association.Association>;
type CStoreRequest = InstanceType<typeof dimse.requests.CStoreRequest>;
type CEchoRequest = InstanceType<typeof dimse.requests.CEchoRequest>;
type CStoreResponseT = InstanceType<typeof dimse.responses.CStoreResponse>;
type CEchoResponseT = InstanceType<typeof dimse.responses.CEchoResponse>;
type PresentationContext = InstanceType<typeof dimse.association.PresentationContext>;

/**
 * For Scp.createDatasetFromStoreWritableStream when the data set went to disk through the writable: an
 * empty data set, once the writable has finished (flushed), so that the C-STORE is answered only then.
 */
export function emptyDatasetOnceWritten(
  writable: Writable,
  context: PresentationContext,
  callback: (dataset: InstanceType<typeof Dataset>) => void,
): void {
  const done = (): void => callback(new Dataset({}, context.getAcceptedTransferSyntaxUid()));
  if (writable.writableFinished) done();
  else writable.once('finish', done);
}

/** What every association of one receiver shares. */
export interface ScpContext {
  config: DimseConfig;
  stagingDir: string;
  logger: Logger;
  statuses: AssociationStatuses;
  /** Publishes an association's lifecycle events (bus, log, feed). */
  announce: AnnounceAssociation;
  store: StoreInstance;
  /** Folders of the staging area (StagingFolders): made for an instance, released when it is refused. */
  folders: { create(dir: string): void; release(dir: string): Promise<void> };
  /** Associations open now, this one included: more than config.maxAssociations are rejected. */
  openAssociations(): number;
}

/**
 * One connection of the receiver: negotiates the association (called AE, allow-list, bound on open
 * associations, presentation contexts), answers C-ECHO, and takes each C-STORE's data set straight into
 * a staged Part 10 file (createStoreWritableStream), answering once the instance has its final status.
 */
export class StorageScp extends Scp {
  private associationId: string | null = null;
  /** The instance being received: removed if the association ends before it is complete. */
  private receiving: { sink: StagingSink; dir: string } | null = null;
  private readonly sinks = new WeakMap<object, { sink: StagingSink; dir: string; id: string; transferSyntaxUid: string }>();
  private ended = false;
  /** Set when the receiver itself ends the association (a timeout, a refused PDU, a failure of ours). */
  private cutByReceiver = false;

  constructor(
    socket: Socket,
    private readonly ctx: ScpContext,
  ) {
    super(socket, { associationTimeout: ctx.config.associationTimeoutMs, pduTimeout: ctx.config.idleTimeoutMs });
    this.on('close', () => this.finish({ cause: this.cutByReceiver ? 'receiver-abort' : 'connection-closed', source: null, reason: null }));
    this.on('networkError', (error: Error) => {
      ctx.logger.debug({ associationId: this.associationId, reason: error.message }, 'dimse: network error');
      // dcmjs-dimse words a socket failure "Connection error"; its other network errors are its own
      // decisions (timeouts, after an A-ABORT it sent; a PDU or DIMSE it could not read).
      if (!error.message.includes('Connection error')) this.cutByReceiver = true;
      (this as unknown as { socket: Socket }).socket.destroy();
    });
  }

  get id(): string | null {
    return this.associationId;
  }

  /** Ends the connection from the receiver's side (the PDU guard refused a PDU): counted as the receiver's abort. */
  cut(): void {
    this.cutByReceiver = true;
    (this as unknown as { socket: Socket }).socket.destroy();
  }

  override associationRequested(association: Association): void {
    this.guarded('association request', () => this.negotiate(association));
  }

  /** An exception in a handler would end the gateway (dcmjs-dimse calls them from its emitter): it aborts the association instead. */
  private guarded(what: string, handle: () => void): void {
    try {
      handle();
    } catch (error) {
      this.ctx.logger.error({ associationId: this.associationId, err: error }, `dimse: ${what} failed, association aborted`);
      this.sendAbort();
      this.cut();
    }
  }

  private negotiate(association: Association): void {
    const { config, logger } = this.ctx;
    const calling = association.getCallingAeTitle().trim();
    const called = association.getCalledAeTitle().trim();
    const address = (this as unknown as { socket: Socket }).socket.remoteAddress ?? '';
    const refuse = (result: number, source: number, reason: number, cause: AssociationRejected['cause']): void => {
      // A refused request has no association id: its event gets an id of its own, with no status.
      const attemptId = newStudyId();
      logger.info({ attemptId, callingAeTitle: calling, calledAeTitle: called, address, why: cause }, 'dimse: association rejected');
      this.ctx.announce('association.rejected', attemptId, {
        callingAeTitle: calling,
        calledAeTitle: called,
        address,
        cause,
        result: result === RejectResult.Permanent ? 'permanent' : 'transient',
        source,
        reason,
      });
      this.sendAssociationReject(result, source, reason);
    };
    if (called !== config.aeTitle)
      return refuse(RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.CalledAeNotRecognized, 'called-ae-title');
    if (config.allowedCallingAeTitles.length > 0 && !config.allowedCallingAeTitles.includes(calling)) {
      return refuse(RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.CallingAeNotRecognized, 'calling-ae-title-not-allowed');
    }
    if (this.ctx.openAssociations() > config.maxAssociations) {
      return refuse(
        RejectResult.Transient,
        RejectSource.ServiceProviderPresentation,
        RejectReason.LocalLimitExceeded,
        'too-many-associations',
      );
    }
    const negotiated = acceptContexts(association.getPresentationContexts().map(({ context }) => context as unknown as ProposedContext));
    // The peer's Maximum Length is what it receives; ours, answered in the A-ASSOCIATE-AC, bounds what it
    // sends (PS3.8 §D.1): 0 (no limit) or more than ours becomes ours, which the PDU guard enforces.
    const peerMax = association.getMaxPduLength();
    if (peerMax === 0 || peerMax > config.maxPduLength) association.setMaxPduLength(config.maxPduLength);
    this.associationId = newStudyId();
    const peer = { callingAeTitle: calling, calledAeTitle: called, address };
    const accepted = this.ctx.announce('association.accepted', this.associationId, {
      ...peer,
      acceptedContexts: negotiated.accepted,
      rejectedContexts: negotiated.rejected,
    });
    this.ctx.statuses.begin(this.associationId, peer, accepted);
    logger.info({ associationId: this.associationId, callingAeTitle: calling, address, ...negotiated }, 'dimse: association accepted');
    this.sendAssociationAccept();
  }

  override associationReleaseRequested(): void {
    this.sendAssociationReleaseResponse();
    this.finish(null);
  }

  override abort(source: number, reason: number): void {
    this.finish({ cause: 'peer-abort', source, reason });
    // PS3.8 §9.2.3, action AA-3: on an A-ABORT, the acceptor closes the transport connection. dcmjs-dimse
    // does not, and a peer such as dcmtk's storescu --abort waits for it until its own timeout.
    (this as unknown as { socket: Socket }).socket.destroy();
  }

  override cEchoRequest(request: CEchoRequest, callback: (response: CEchoResponseT) => void): void {
    callback(CEchoResponse.fromRequest(request));
  }

  override createStoreWritableStream(context: PresentationContext, request: CStoreRequest): Writable {
    // Thrown here (a staging folder that cannot be made), dcmjs-dimse reports a network error: the association ends.
    const id = newStudyId();
    const dir = path.resolve(this.ctx.stagingDir, id);
    this.ctx.folders.create(dir);
    const transferSyntaxUid = context.getAcceptedTransferSyntaxUid() ?? '';
    const header = buildPart10Header({
      sopClassUid: request.getAffectedSopClassUid(),
      sopInstanceUid: request.getAffectedSopInstanceUid(),
      transferSyntaxUid,
    });
    const sink = new StagingSink(path.join(dir, '0001.dcm'), header, this.ctx.config.maxInstanceBytes);
    const entry = { sink, dir, id, transferSyntaxUid };
    this.sinks.set(request, entry);
    this.receiving = entry;
    return sink;
  }

  override createDatasetFromStoreWritableStream(
    writable: Writable,
    context: PresentationContext,
    callback: (dataset: InstanceType<typeof Dataset>) => void,
  ): void {
    // The data set is on disk: dcmjs-dimse gets an empty one, and cStoreRequest reads the staged file.
    emptyDatasetOnceWritten(writable, context, callback);
  }

  override cStoreRequest(request: CStoreRequest, callback: (response: CStoreResponseT) => void): void {
    this.guarded('C-STORE', () => this.store(request, callback));
  }

  private store(request: CStoreRequest, callback: (response: CStoreResponseT) => void): void {
    const entry = this.sinks.get(request);
    if (this.receiving === entry) this.receiving = null;
    const associationId = this.associationId!;
    const sopInstanceUid = request.getAffectedSopInstanceUid();
    const instance = {
      SOPInstanceUID: sopInstanceUid,
      SOPClassUID: request.getAffectedSopClassUid(),
      transferSyntaxUID: entry?.transferSyntaxUid ?? '',
    };
    // dcmjs-dimse aborts an association silent for pduTimeout; the peer is waiting for this answer.
    const keepAlive = setInterval(() => {
      (this as unknown as { lastPduTime?: number }).lastPduTime = Date.now();
    }, 1000);
    const answer = (verdict: DimseVerdict, deliveryId: string | null, studyUid: string | null): void => {
      clearInterval(keepAlive);
      const response = CStoreResponse.fromRequest(request);
      response.setStatus(verdict.status);
      if (verdict.comment) response.setErrorComment(verdict.comment);
      this.ctx.statuses.record(
        associationId,
        {
          ...instance,
          deliveryId,
          status: verdict.status.toString(16).toUpperCase().padStart(4, '0'),
          category: verdict.category,
          code: verdict.code,
          comment: verdict.comment,
          statusUrl: deliveryId ? `/status/${deliveryId}` : null,
        },
        studyUid,
      );
      callback(response);
    };
    if (!entry || entry.sink.failure || !entry.sink.result) {
      const failure = entry?.sink.failure ?? { code: 'STORAGE_FAILED', message: 'no data set was staged' };
      this.ctx.logger.warn(
        { associationId, SOPInstanceUID: sopInstanceUid, code: failure.code, reason: failure.message },
        'dimse: instance not kept',
      );
      const release = entry ? this.ctx.folders.release(entry.dir) : Promise.resolve();
      release.catch(() => undefined).finally(() => answer(verdictOfCode(failure.code), null, null));
      return;
    }
    this.ctx.store({ id: entry.id, associationId, sopInstanceUid, result: entry.sink.result }).then(
      ({ verdict, studyUid }) => answer(verdict, entry.id, studyUid),
      (error: unknown) => {
        this.ctx.logger.error({ associationId, deliveryId: entry.id, err: error }, 'dimse: instance could not be processed');
        answer(verdictOfCode('STORAGE_FAILED'), entry.id, null);
      },
    );
  }

  /**
   * The association ended, released (`aborted` null) or not: an instance still arriving is removed, its
   * closing event published and its status written, once.
   */
  private finish(aborted: Pick<AssociationAborted, 'cause' | 'source' | 'reason'> | null): void {
    if (this.ended) return;
    this.ended = true;
    const partial = this.receiving;
    this.receiving = null;
    if (partial && !partial.sink.writableFinished) {
      partial.sink.destroy();
      void this.ctx.folders.release(partial.dir).catch(() => undefined);
    }
    const id = this.associationId;
    if (id === null) return;
    const tally = this.ctx.statuses.tally(id);
    if (!tally) return;
    const state = aborted ? 'aborted' : 'released';
    this.ctx.logger.info({ associationId: id, state, ...aborted }, 'dimse: association ended');
    const ended = aborted
      ? this.ctx.announce('association.aborted', id, { ...tally, ...aborted })
      : this.ctx.announce('association.released', id, tally);
    void this.ctx.statuses
      .end(id, ended)
      .catch((error: unknown) => this.ctx.logger.error({ associationId: id, err: error }, 'dimse: association status not written'));
  }
}
