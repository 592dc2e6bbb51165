/**
 * The receiver against peers that misbehave, and our sender against real SCPs: an association aborted
 * mid-instance, a PDU that lies about its length, 50 associations at once, and `npm run send` to dcmtk's
 * storescp and to our own receiver. Real processes and sockets; no assertion on speed.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dcmtkAvailable, dcmtkSkipReason, endedAssociations, freePort, runDcmtk, sendCli } from '../support/dimse-tools.ts';
import { getJson, listTree, readFeed, waitFor, type Body } from '../support/gateway-calls.ts';
import { generatorAvailable, generatorSkipReason, makeStudy } from '../support/make-study.ts';
import { startStack, type Stack } from '../support/services.ts';

const skipReason = !dcmtkAvailable ? dcmtkSkipReason : !(await generatorAvailable()) ? generatorSkipReason : undefined;
if (skipReason) console.warn(`[interop] ${skipReason}`);

const AET = 'DSVTEST';

/** dcmtk's storescp writing into `out` (made), listening on a free port; `stop` ends it. */
async function startStorescp(out: string, options: readonly string[] = []): Promise<{ port: number; stop: () => void }> {
  const port = await freePort();
  await mkdir(out, { recursive: true });
  const scp = spawn('storescp', [...options, '-aet', 'STORESCP', '-od', out, String(port)], {
    env: { ...process.env, TCP_NODELAY: '1' },
    stdio: 'ignore',
  });
  try {
    await waitFor(
      () => canConnect(port),
      (ok) => ok,
    );
  } catch (error) {
    scp.kill('SIGTERM');
    throw error;
  }
  return { port, stop: () => scp.kill('SIGTERM') };
}

/** An A-ASSOCIATE-RQ (PS3.8 §9.3.2) proposing CT Image Storage in Explicit VR Little Endian, max PDU 16 KiB. */
function associateRq(called: string, calling: string): Buffer {
  const ae = (title: string) => Buffer.from(title.padEnd(16, ' '), 'latin1');
  const item = (type: number, body: Buffer) => {
    const head = Buffer.alloc(4);
    head[0] = type;
    head.writeUInt16BE(body.length, 2);
    return Buffer.concat([head, body]);
  };
  const uid = (type: number, value: string) => item(type, Buffer.from(value, 'latin1'));
  const context = item(
    0x20,
    Buffer.concat([Buffer.from([1, 0, 0, 0]), uid(0x30, '1.2.840.10008.5.1.4.1.1.2'), uid(0x40, '1.2.840.10008.1.2.1')]),
  );
  const maxLength = Buffer.alloc(4);
  maxLength.writeUInt32BE(16384);
  const user = item(0x50, Buffer.concat([item(0x51, maxLength), uid(0x52, '1.2.3.4')]));
  const body = Buffer.concat([
    Buffer.from([0, 1, 0, 0]),
    ae(called),
    ae(calling),
    Buffer.alloc(32),
    uid(0x10, '1.2.840.10008.3.1.1.1'),
    context,
    user,
  ]);
  const head = Buffer.alloc(6);
  head[0] = 0x01;
  head.writeUInt32BE(body.length, 2);
  return Buffer.concat([head, body]);
}

/** Connects, associates, and resolves with the socket once the A-ASSOCIATE-AC (type 2) came back. */
function associate(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, noDelay: true }, () => socket.write(associateRq(AET, 'MODALITY')));
    socket.once('data', (chunk) => (chunk[0] === 0x02 ? resolve(socket) : reject(new Error(`answered PDU type ${chunk[0]}`))));
    socket.once('error', reject);
  });
}

describe.skipIf(skipReason)('DICOM receiver under abuse, and the sender', () => {
  let stack: Stack;
  let port: number;
  let work: string;
  let ct: string[];
  const stagingDir = () => stack.env.gateway.STAGING_DIR!;
  /** What the staging folder holds: nothing, once everything has ended. */
  const staged = async () => readdir(stagingDir());
  /** The folders POST /studies/<key>/send fetched studies into and has not removed. */
  const sendFolders = async () => (await readdir(stagingDir())).filter((name) => name.startsWith('.send-'));

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'dsv-dimse-abuse-'));
    ct = await makeStudy('ct', path.join(work, 'ct'), ['--slices', '3', '--rows', '64', '--cols', '64', '--seed', '183']);
    port = await freePort();
    stack = await startStack({ DIMSE_PORT: String(port), DIMSE_AE_TITLE: AET, STABLE_AFTER_SECONDS: '1' });
  });

  afterAll(async () => {
    await stack?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('when the peer aborts in the middle of an instance, then nothing of it is kept and staging is clean', async () => {
    const before = endedAssociations(stack.gateway).length;
    const socket = await associate(port);
    // A C-STORE-RQ, then the first fragment of its data set (not the last), then the connection ends (a
    // cable pulled): the receiver has begun a staged file by then.
    socket.write(pDataTf(0x03, cStoreRq('1.2.840.10008.5.1.4.1.1.2', '1.2.3.4.5.6.7')));
    const fragment = pDataTf(0x00, Buffer.alloc(1000, 0x20));
    socket.write(fragment);
    socket.destroy();
    const ended = await waitFor(
      async () => endedAssociations(stack.gateway),
      (ids) => ids.length > before,
    );
    const status = (await getJson(`${stack.gateway.url}/status/${ended.at(-1)}`)).body;
    expect(status).toMatchObject({ state: 'aborted', counts: { instances: 0 } });
    // The feed has it opened, then aborted by the connection lost, nothing stored in between.
    const feed = await waitFor(
      () => readFeed(stack.gateway.url),
      (events) => events.some((e) => e.studyId === status.id && e.type === 'association.aborted'),
    );
    expect(feed.filter((e) => e.correlationId === status.id).map((e) => e.type)).toEqual(['association.accepted', 'association.aborted']);
    expect(feed.find((e) => e.type === 'association.aborted' && e.studyId === status.id)!.data).toEqual({
      instances: 0,
      success: 0,
      warning: 0,
      failure: 0,
      studyInstanceUids: [],
      cause: 'connection-closed',
      source: null,
      reason: null,
    });
    expect(status.events.map((e: { type: string }) => e.type)).toEqual(['association.accepted', 'association.aborted']);
    await waitFor(staged, (names) => names.length === 0);
    expect(listTree(stack.studiesDir).filter((p) => p.endsWith('.dcm'))).toEqual([]);
  });

  it('when a P-DATA PDU announces 4 GiB, then the association is cut at its header and the gateway carries on', async () => {
    const socket = await associate(port);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const lie = Buffer.alloc(6 + 64);
    lie[0] = 0x04;
    lie.writeUInt32BE(0xffff_fff0, 2);
    socket.write(lie);
    await closed;
    await waitFor(
      async () => stack.gateway.output.some((line) => line.includes('dimse: connection aborted') && line.includes('announces')),
      (seen) => seen,
    );
    const echo = await runDcmtk('echoscu', ['-aet', 'MODALITY', '-aec', AET, '127.0.0.1', String(port)]);
    expect(echo.code, echo.stderr).toBe(0);
  });

  it('when 50 peers associate at once, then every association is answered: accepted or told the local limit is exceeded, and a retry goes through', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, () => runDcmtk('storescu', ['-aet', 'MODALITY', '-aec', AET, '127.0.0.1', String(port), ct[0]!], 120_000)),
    );
    for (const result of results) {
      if (result.code !== 0) expect(result.stderr + result.stdout).toMatch(/Local Limit Exceeded|rejected/i);
    }
    expect(results.filter((r) => r.code === 0).length).toBeGreaterThan(0);
    const retry = await runDcmtk('storescu', ['-aet', 'MODALITY', '-aec', AET, '127.0.0.1', String(port), ct[0]!]);
    expect(retry.code, retry.stderr).toBe(0);
    await waitFor(staged, (names) => names.length === 0);
  });

  it('when npm run send sends a study to dcmtk storescp, then storescp writes every instance and the line says sent', async () => {
    const out = path.join(work, 'storescp');
    await rm(out, { recursive: true, force: true });
    const { port: scpPort, stop } = await startStorescp(out);
    try {
      const sent = await sendCli(['--host', '127.0.0.1', '--port', String(scpPort), '--aet', 'STORESCP', path.join(work, 'ct')]);
      expect(sent.code, sent.output).toBe(0);
      expect(sent.output).toMatch(/study \S+: 3 instance\(s\), sent 3, warned 0, failed 0/);
      expect(await readdir(out)).toHaveLength(3);
    } finally {
      stop();
    }
  });

  it('when npm run send sends to our receiver with a wrong called AE title, then it fails with a non-zero exit', async () => {
    const sent = await sendCli(['--host', '127.0.0.1', '--port', String(port), '--aet', 'NOT_US', path.join(work, 'ct')]);
    expect(sent.code).toBe(1);
    expect(sent.output).toMatch(/failed 3 \(statuses none\) - association rejected: called AE title not recognized \(permanent\)/);
  });

  it('when npm run send sends a study to our receiver, then every instance is answered and the study is stored', async () => {
    const files = await makeStudy('mr', path.join(work, 'mr'), ['--slices', '2', '--rows', '32', '--cols', '32', '--seed', '184']);
    const sent = await sendCli(['--host', '127.0.0.1', '--port', String(port), '--aet', AET, '--calling-aet', 'ROUTER', ...files]);
    expect(sent.code, sent.output).toBe(0);
    const uid = /study (\S+):/.exec(sent.output)![1]!;
    const study = await getJson(`${stack.gateway.url}/studies/${uid}`);
    expect(study.body.files).toHaveLength(2);
  });

  it('when the peer takes the connection and then never reads nor answers, then npm run send gives up after its timeout and fails', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => {
      socket.pause();
      sockets.push(socket);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    try {
      const silentPort = (silent.address() as net.AddressInfo).port;
      const sent = await sendCli([
        '--host',
        '127.0.0.1',
        '--port',
        String(silentPort),
        '--aet',
        'SILENT',
        '--timeout-ms',
        '1500',
        path.join(work, 'ct'),
      ]);
      expect(sent.code).toBe(1);
      expect(sent.output).toMatch(/failed 3 \(statuses none\) - .*timeout/i);
    } finally {
      sockets.forEach((socket) => socket.destroy());
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('when POST /studies/<uid>/send names storescp, then the stored study is sent on and every instance is answered; an unreachable peer is a 502 after the retries', async () => {
    const sent = await sendCli(['--host', '127.0.0.1', '--port', String(port), '--aet', AET, path.join(work, 'ct')]);
    expect(sent.code, sent.output).toBe(0);
    const uid = /study (\S+):/.exec(sent.output)![1]!;
    const out = path.join(work, 'routed');
    const { port: scpPort, stop } = await startStorescp(out);
    try {
      const post = (body: unknown) =>
        fetch(`${stack.gateway.url}/studies/${uid}/send`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const answer = await post({ host: '127.0.0.1', port: scpPort, aeTitle: 'STORESCP' });
      const body = (await answer.json()) as Body;
      expect(answer.status, JSON.stringify(body)).toBe(200);
      expect(body).toMatchObject({ instances: 3, failed: 0, studies: [{ StudyInstanceUID: uid, sent: 3, attempts: 1, error: null }] });
      expect(await readdir(out)).toHaveLength(3);
      expect(await sendFolders()).toEqual([]);
      const closed = await freePort();
      const refused = await post({ host: '127.0.0.1', port: closed, aeTitle: 'STORESCP' });
      const failure = (await refused.json()) as Body;
      expect(refused.status).toBe(502);
      expect(failure.studies[0]).toMatchObject({ failed: 3, error: expect.stringMatching(/ECONNREFUSED|refused/i) });
      expect(failure.studies[0].attempts).toBeGreaterThan(1);
      expect(await sendFolders()).toEqual([]);
      expect((await post({ host: '127.0.0.1', port: 0, aeTitle: 'STORESCP' })).status).toBe(400);
    } finally {
      stop();
    }
  });
  it('when POST /studies/<uid>/send names a storescp that aborts the association at the C-STORE, then 502 names the abort and no .send-* folder is left', async () => {
    const sent = await sendCli(['--host', '127.0.0.1', '--port', String(port), '--aet', AET, path.join(work, 'ct')]);
    expect(sent.code, sent.output).toBe(0);
    const uid = /study (\S+):/.exec(sent.output)![1]!;
    const { port: scpPort, stop } = await startStorescp(path.join(work, 'aborting'), ['--abort-after']);
    try {
      const answer = await fetch(`${stack.gateway.url}/studies/${uid}/send`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ host: '127.0.0.1', port: scpPort, aeTitle: 'STORESCP' }),
      });
      const body = (await answer.json()) as Body;
      expect(answer.status, JSON.stringify(body)).toBe(502);
      expect(body.studies[0]).toMatchObject({ StudyInstanceUID: uid, sent: 0, error: expect.stringMatching(/abort/i) });
      expect(await sendFolders()).toEqual([]);
    } finally {
      stop();
    }
  });
});

/** One P-DATA-TF PDU with one PDV on context 1 (PS3.8 §9.3.5, Annex E.2: bit 0 command, bit 1 last). */
function pDataTf(control: number, value: Buffer): Buffer {
  const pdu = Buffer.alloc(12);
  pdu[0] = 0x04;
  pdu.writeUInt32BE(6 + value.length, 2);
  pdu.writeUInt32BE(2 + value.length, 6);
  pdu[10] = 1;
  pdu[11] = control;
  return Buffer.concat([pdu, value]);
}

/** A C-STORE-RQ command set in Implicit VR Little Endian (PS3.7 §9.3.1.1). */
function cStoreRq(sopClass: string, sopInstance: string): Buffer {
  const el = (element: number, value: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt16LE(0x0000, 0);
    head.writeUInt16LE(element, 2);
    head.writeUInt32LE(value.length, 4);
    return Buffer.concat([head, value]);
  };
  const ui = (value: string) => Buffer.from(value.length % 2 ? `${value}\0` : value, 'latin1');
  const us = (value: number) => {
    const bytes = Buffer.alloc(2);
    bytes.writeUInt16LE(value);
    return bytes;
  };
  const body = Buffer.concat([
    el(0x0002, ui(sopClass)),
    el(0x0100, us(0x0001)),
    el(0x0110, us(1)),
    el(0x0700, us(0)),
    el(0x0800, us(0x0000)),
    el(0x1000, ui(sopInstance)),
  ]);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(body.length);
  return Buffer.concat([el(0x0000, length), body]);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
