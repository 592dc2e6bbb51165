import { mkdtemp, rm } from 'node:fs/promises';
import type { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { AssociationEventPayloadSchemas, AssociationEventTypes, createEventBus, createLogger, type LifecycleEvent } from '@dsv/common';
import dimse from 'dcmjs-dimse';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GatewayData } from '../../src/data/gateway-data.ts';
import { openGatewayDb } from '../../src/data/gateway-db.ts';
import { announceAssociationWith } from '../../src/dimse/announce-association.ts';
import { AssociationStatuses } from '../../src/dimse/association-statuses.ts';
import { DIMSE_OFF } from '../../src/dimse/dimse-config.ts';
import { startDimseReceiver, type RunningDimseReceiver } from '../../src/dimse/dimse-receiver.ts';
import { verdictOfCode } from '../../src/dimse/dimse-status.ts';
import type { StoreInstance } from '../../src/dimse/store-instance.ts';
import { StagingFolders } from '../../src/upload/staging-folders.ts';

const { Client, Dataset } = dimse;
const { CEchoRequest, CStoreRequest } = dimse.requests;
const { TransferSyntax } = dimse.constants;

const AET = 'DSVTEST';
const CT = '1.2.840.10008.5.1.4.1.1.2';
const STUDY = '1.2.826.0.1.3680043.8.498.71';

/** A CT data set of a few elements: the store stub below never reads it. */
function ctDataset(sopInstanceUid: string) {
  return new Dataset(
    { SOPClassUID: CT, SOPInstanceUID: sopInstanceUid, StudyInstanceUID: STUDY, Modality: 'CT' },
    TransferSyntax.ExplicitVRLittleEndian,
  );
}

/**
 * The receiver with its real negotiation, statuses and event feed (an SQLite file), and a store that
 * answers each instance by its SOP Instance UID's last component: .1 stored, .2 warned, .3 refused. No
 * pipeline: the instances' own deliveries are the pipeline's tests.
 */
describe('the DICOM receiver publishes its associations in the event feed', () => {
  let dir: string;
  let data: GatewayData;
  let statuses: AssociationStatuses;
  let receiver: RunningDimseReceiver;
  const published: LifecycleEvent[] = [];

  const store: StoreInstance = async ({ sopInstanceUid }) => {
    const last = sopInstanceUid.split('.').at(-1);
    if (last === '3') return { verdict: verdictOfCode('STUDY_INVALID', 'E_TYPE1_MISSING'), studyUid: null };
    if (last === '2')
      return { verdict: { status: 0xb007, category: 'warning', code: 'STORED', comment: 'STORED with 1 warning' }, studyUid: STUDY };
    return { verdict: verdictOfCode('STORED'), studyUid: STUDY };
  };

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-association-events-'));
    const logger = createLogger('gateway', 'silent');
    data = openGatewayDb(path.join(dir, 'gateway.db'));
    statuses = new AssociationStatuses(path.join(dir, 'associations'));
    const events = createEventBus(logger, []);
    published.length = 0;
    for (const type of AssociationEventTypes) events.on(type, (event: LifecycleEvent) => published.push(event));
    const folders = new StagingFolders(path.join(dir, 'staging'));
    folders.open();
    receiver = await startDimseReceiver({
      config: { ...DIMSE_OFF, port: 0, aeTitle: AET, allowedCallingAeTitles: ['MODALITY'], idleTimeoutMs: 30_000 },
      stagingDir: path.join(dir, 'staging'),
      statuses,
      announce: announceAssociationWith({ events, feed: data, logger }),
      logger,
      store,
      folders,
    });
  });

  afterEach(async () => {
    await receiver.close();
    await data.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Sends the requests on one association; resolves when the connection has closed. */
  function associate(
    requests: InstanceType<typeof dimse.requests.CEchoRequest | typeof dimse.requests.CStoreRequest>[],
    calling = 'MODALITY',
    called = AET,
    onAccepted?: (client: InstanceType<typeof Client>) => void,
  ) {
    const client = new Client();
    for (const request of requests) client.addRequest(request);
    return new Promise<{ rejected: boolean }>((resolve) => {
      let rejected = false;
      client.on('associationAccepted', () => onAccepted?.(client));
      client.on('associationRejected', () => (rejected = true));
      client.on('networkError', () => undefined);
      client.on('closed', () => resolve({ rejected }));
      client.send('127.0.0.1', receiver.port, calling, called);
    });
  }

  /** The feed once it holds `count` events (its writes are committed a turn after they are asked). */
  async function feed(count: number) {
    for (;;) {
      const { events } = await data.readEvents(0, 100);
      if (events.length >= count) return events;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** The association's status once its file is written. */
  async function ended(id: string) {
    for (;;) {
      const status = await statuses.get(id);
      if (status && status.state !== 'open' && statuses.openCount === 0) return status;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it('when a peer stores instances and releases, then accepted and released are in the feed in order, with the counts by status class and the study', async () => {
    const requests = ['1', '2', '3', '4'].map((n) => new CStoreRequest(ctDataset(`1.2.826.0.1.3680043.8.498.72.${n === '4' ? '11' : n}`)));
    expect(await associate(requests)).toEqual({ rejected: false });
    const events = await feed(2);
    expect(events.map((e) => e.type)).toEqual(['association.accepted', 'association.released']);
    const [accepted, released] = events;
    const id = accepted!.studyId;
    expect(accepted).toMatchObject({
      service: 'gateway',
      correlationId: id,
      data: {
        callingAeTitle: 'MODALITY',
        calledAeTitle: AET,
        address: expect.stringContaining('127.0.0.1'),
        acceptedContexts: expect.any(Number),
      },
    });
    expect(released).toMatchObject({ studyId: id, data: { instances: 4, success: 2, warning: 1, failure: 1, studyInstanceUids: [STUDY] } });
    expect(released!.seq).toBeGreaterThan(accepted!.seq);
    for (const event of events)
      expect(AssociationEventPayloadSchemas[event.type as keyof typeof AssociationEventPayloadSchemas].safeParse(event.data).success).toBe(
        true,
      );
    // The status lists the same events as the feed, and the bus had them (logged, counted).
    const status = await ended(id);
    expect(status.state).toBe('released');
    expect(status.events).toEqual(events.map(({ seq: _seq, ...event }) => event));
    expect(published.map((e) => e.type)).toEqual(['association.accepted', 'association.released']);
  });

  it('when the calling AE title is not allowed, then association.rejected is in the feed with its cause, and no association is opened', async () => {
    expect(await associate([new CEchoRequest()], 'STRANGER')).toEqual({ rejected: true });
    const [rejected] = await feed(1);
    expect(rejected).toMatchObject({
      type: 'association.rejected',
      data: {
        callingAeTitle: 'STRANGER',
        calledAeTitle: AET,
        cause: 'calling-ae-title-not-allowed',
        result: 'permanent',
        source: 1,
        reason: 3,
      },
    });
    expect(AssociationEventPayloadSchemas['association.rejected'].safeParse(rejected!.data).success).toBe(true);
    expect(await statuses.get(rejected!.studyId)).toBeUndefined();
  });

  it('when the peer sends A-ABORT, then association.aborted carries its source and reason; when the connection drops, the cause says so', async () => {
    // An echo is answered, then the client aborts (A-ABORT source 0: service user, PS3.8 §9.3.8) before releasing.
    await associate([new CEchoRequest()], 'MODALITY', AET, (client) => client.abort(0, 0));
    const first = await feed(2);
    expect(first.map((e) => e.type)).toEqual(['association.accepted', 'association.aborted']);
    expect(first[1]).toMatchObject({ data: { instances: 0, cause: 'peer-abort', source: 0, reason: 0, studyInstanceUids: [] } });
    await ended(first[0]!.studyId);

    await associate([new CEchoRequest()], 'MODALITY', AET, (client) =>
      (client as unknown as { network: { socket: Socket } }).network.socket.destroy(),
    );
    const second = (await feed(4)).slice(2);
    expect(second.map((e) => e.type)).toEqual(['association.accepted', 'association.aborted']);
    expect(second[1]).toMatchObject({ studyId: second[0]!.studyId, data: { cause: 'connection-closed', source: null, reason: null } });
    expect((await ended(second[0]!.studyId)).state).toBe('aborted');
  });
});
