import http from 'node:http';
import net from 'node:net';
import { readdir } from 'node:fs/promises';
import dimse from 'dcmjs-dimse';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { element, part10 } from '../../../test/support/dicom-bytes.ts';
import { buildGateway, type TestGateway } from '../build-gateway.ts';

const { Scp } = dimse;
const { PresentationContextResult } = dimse.constants;

const CT = '1.2.840.10008.5.1.4.1.1.2';
const STUDY = '1.2.826.0.1.3680043.8.498.91';
const AET = 'PEER';

/** One CT instance of STUDY, by hand: the sender reads its UIDs from the header and sends it as it is. */
const ctFile = part10(
  [
    element('00080016', 'UI', CT),
    element('00080018', 'UI', `${STUDY}.1.1`),
    element('00080060', 'CS', 'CT'),
    element('0020000D', 'UI', STUDY),
    element('0020000E', 'UI', `${STUDY}.1`),
  ],
  { sopClassUid: CT, sopInstanceUid: `${STUDY}.1.1` },
);

/**
 * The descriptor's two routes the send fetches from: the study's listing and its one file. `failFile`:
 * the file answers 500 (the send fails while fetching, after the folder was made).
 */
function fakeDescriptor(options: { failFile?: boolean } = {}): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (req.url === `/studies/${STUDY}`) {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ files: [{ href: `/studies/${STUDY}/files/1` }] }));
    } else if (req.url === `/studies/${STUDY}/files/1` && !options.failFile) {
      res.setHeader('content-type', 'application/dicom');
      res.end(ctFile);
    } else {
      res.statusCode = 500;
      res.end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** A DICOM peer that accepts every association and context, then answers the first C-STORE with an A-ABORT. */
class AbortingScp extends Scp {
  override associationRequested(association: InstanceType<typeof dimse.association.Association>): void {
    for (const { context } of association.getPresentationContexts()) {
      context.setResult(PresentationContextResult.Accept, context.getTransferSyntaxUids()[0]);
    }
    this.sendAssociationAccept();
  }

  override cStoreRequest(): void {
    this.sendAbort();
  }
}

function abortingPeer(): Promise<net.Server> {
  const server = net.createServer((socket) => new AbortingScp(socket));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const portOf = (server: net.Server | http.Server) => (server.address() as net.AddressInfo).port;
const closeServer = (server: net.Server | http.Server) =>
  new Promise<void>((resolve) => {
    (server as http.Server).closeAllConnections?.();
    server.close(() => resolve());
  });

describe('POST /studies/<key>/send', () => {
  let gateway: TestGateway;
  let descriptor: http.Server;
  const servers: (net.Server | http.Server)[] = [];

  async function start(options: { failFile?: boolean } = {}) {
    descriptor = await fakeDescriptor(options);
    servers.push(descriptor);
    gateway = await buildGateway({ descriptorUrl: `http://127.0.0.1:${portOf(descriptor)}`, retry: { attempts: 2 } });
  }

  afterEach(async () => {
    await gateway?.cleanup();
    await Promise.all(servers.splice(0).map(closeServer));
  });

  /** The send folders left in the staging area. */
  const sendFolders = async () => (await readdir(gateway.config.stagingDir)).filter((name) => name.startsWith('.send-'));

  describe('when the peer accepts the association, then aborts it at the first C-STORE', () => {
    beforeEach(() => start());

    it('then 502 says the peer aborted, and no .send-* folder is left', async () => {
      const peer = await abortingPeer();
      servers.push(peer);
      const res = await request(gateway.app)
        .post(`/studies/${STUDY}/send`)
        .send({ host: '127.0.0.1', port: portOf(peer), aeTitle: AET })
        .expect(502);
      expect(res.body).toMatchObject({
        instances: 1,
        failed: 1,
        studies: [{ StudyInstanceUID: STUDY, failed: 1, error: expect.stringMatching(/aborted by the peer/) }],
      });
      expect(await sendFolders()).toEqual([]);
    });
  });

  describe('when nothing listens on the port', () => {
    beforeEach(() => start());

    it('then 502 after the retries, and no .send-* folder is left', async () => {
      const closed = await abortingPeer();
      const port = portOf(closed);
      await closeServer(closed);
      const res = await request(gateway.app).post(`/studies/${STUDY}/send`).send({ host: '127.0.0.1', port, aeTitle: AET }).expect(502);
      expect(res.body.studies[0]).toMatchObject({ failed: 1, attempts: 2, error: expect.stringMatching(/ECONNREFUSED|refused/i) });
      expect(await sendFolders()).toEqual([]);
    });
  });

  describe("when the descriptor fails while the study's files are fetched", () => {
    beforeEach(() => start({ failFile: true }));

    it('then 503 DOWNSTREAM_UNAVAILABLE, and no .send-* folder is left', async () => {
      const res = await request(gateway.app)
        .post(`/studies/${STUDY}/send`)
        .send({ host: '127.0.0.1', port: 104, aeTitle: AET })
        .expect(503);
      expect(res.body.error.code).toBe('DOWNSTREAM_UNAVAILABLE');
      expect(await sendFolders()).toEqual([]);
    });
  });
});

describe('POST /studies/<key>/send, before any file is fetched', () => {
  let gateway: TestGateway | undefined;
  let descriptor: http.Server | undefined;
  afterEach(async () => {
    await gateway?.cleanup();
    if (descriptor) await closeServer(descriptor);
    gateway = undefined;
    descriptor = undefined;
  });

  it('when the descriptor does not know the study, then 404 STUDY_NOT_FOUND', async () => {
    descriptor = http.createServer((_req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'STUDY_NOT_FOUND', message: 'none' } }));
    });
    await new Promise<void>((resolve) => descriptor!.listen(0, '127.0.0.1', resolve));
    gateway = await buildGateway({ descriptorUrl: `http://127.0.0.1:${portOf(descriptor)}` });
    const res = await request(gateway.app).post(`/studies/${STUDY}/send`).send({ host: '127.0.0.1', port: 104, aeTitle: AET }).expect(404);
    expect(res.body.error.code).toBe('STUDY_NOT_FOUND');
  });

  it('when the descriptor is down, then 503 DOWNSTREAM_UNAVAILABLE naming it', async () => {
    gateway = await buildGateway();
    const res = await request(gateway.app).post(`/studies/${STUDY}/send`).send({ host: '127.0.0.1', port: 104, aeTitle: AET }).expect(503);
    expect(res.body.error).toMatchObject({ code: 'DOWNSTREAM_UNAVAILABLE', details: { service: 'descriptor' } });
  });
});
