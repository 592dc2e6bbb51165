import net from 'node:net';
import type { Logger } from '@dsv/common';
import dimse from 'dcmjs-dimse';
import type { AnnounceAssociation } from './announce-association.ts';
import type { AssociationStatuses } from './association-statuses.ts';
import type { DimseConfig } from './dimse-config.ts';
import { IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME } from './part10-header.ts';
import { createPduGuard } from './pdu-guard.ts';
import { routeDimseLogging } from './route-dimse-logging.ts';
import { StorageScp, type ScpContext } from './storage-scp.ts';
import type { StoreInstance } from './store-instance.ts';

export interface DimseReceiverDeps {
  config: DimseConfig;
  stagingDir: string;
  statuses: AssociationStatuses;
  announce: AnnounceAssociation;
  logger: Logger;
  store: StoreInstance;
  folders: ScpContext['folders'];
}

export interface RunningDimseReceiver {
  port: number;
  /** Stops accepting; open associations are ended (their instances in flight still finish). */
  close(): Promise<void>;
}

/** Connections beyond maxAssociations still connect, to be told "local limit exceeded"; past this margin they are dropped. */
const CONNECTION_MARGIN = 64;

/**
 * The C-STORE receiver: a TCP server on dimse.host:dimse.port whose every connection is a StorageScp.
 * dcmjs-dimse's own Server listens on every interface and knows no limits, so the gateway makes the
 * sockets itself: TCP_NODELAY on each (else every exchange waits ~40 ms for Nagle and delayed ACKs), a
 * PDU guard ahead of dcmjs-dimse's reader, and a bound on connections.
 */
export async function startDimseReceiver(deps: DimseReceiverDeps): Promise<RunningDimseReceiver> {
  const { config, logger } = deps;
  routeDimseLogging(logger);
  const implementation = dimse.Implementation as unknown as {
    setImplementationClassUid(uid: string): void;
    setImplementationVersion(v: string): void;
    setMaxPduLength(n: number): void;
  };
  implementation.setImplementationClassUid(IMPLEMENTATION_CLASS_UID);
  implementation.setImplementationVersion(IMPLEMENTATION_VERSION_NAME);
  implementation.setMaxPduLength(config.maxPduLength);
  const { statuses } = deps;
  const sockets = new Set<net.Socket>();
  const ctx: ScpContext = {
    config,
    stagingDir: deps.stagingDir,
    logger,
    statuses,
    announce: deps.announce,
    store: deps.store,
    folders: deps.folders,
    openAssociations: () => statuses.openCount + 1,
  };
  const server = net.createServer({ noDelay: true }, (socket) => {
    if (sockets.size >= config.maxAssociations + CONNECTION_MARGIN) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    // Registered before dcmjs-dimse's reader: a refused PDU ends the connection before it is buffered.
    let scp: StorageScp | undefined;
    socket.on(
      'data',
      createPduGuard(config.maxPduLength, (reason) => {
        logger.warn({ address: socket.remoteAddress, associationId: scp?.id ?? null, reason }, 'dimse: connection aborted');
        if (scp) scp.cut();
        else socket.destroy();
      }),
    );
    scp = new StorageScp(socket, ctx);
  });
  server.maxConnections = config.maxAssociations + CONNECTION_MARGIN;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;
  logger.info({ host: config.host, port, aeTitle: config.aeTitle }, 'dimse listening');
  return {
    port,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
