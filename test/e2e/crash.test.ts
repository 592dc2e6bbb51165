import { copyFile, mkdir } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { openDatabase } from '@dsv/common/db';
import { afterEach, describe, expect, it } from 'vitest';
import { DATABASE_FILE, openGatewayDb } from '../../gateway/src/data/gateway-db.ts';
import { corpusAvailable, corpusPath, corpusSkipReason, entryFiles, loadManifest } from '../support/corpus.ts';
import { removeConfigDirs, writeConfigDir } from '../support/config-dir.ts';
import {
  getJson,
  incomingLeftovers,
  listTree,
  sha256,
  statusOf,
  storedOriginalHashes,
  studyFolder,
  upload,
  visibleEntries,
  waitFor,
  waitForStates,
  type Body,
} from '../support/gateway-calls.ts';
import { startStack, type Stack } from '../support/services.ts';

/**
 * Issue 6, "nothing lost": statuses survive restarts, and a gateway killed with SIGKILL finishes every
 * accepted study when it starts again, each stored exactly once, byte for byte.
 */
const studyFiles = (relative: string): string[] => {
  const entry = loadManifest().find((e) => e.path === relative);
  if (!entry) throw new Error(`${relative} is not in the corpus manifest`);
  return entryFiles(entry);
};
const CT_SMALL = 'valid/samples/CT_small.dcm';

/** The gateway's database file, read while the gateway is stopped. */
const databaseOf = (stack: Stack): string => path.join(stack.env.gateway.DATA_DIR!, DATABASE_FILE);

describe.skipIf(!corpusAvailable)('the gateway across restarts and crashes', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
    await removeConfigDirs();
  });

  it('when any service restarts, then GET /status answers the same body for every upload', async () => {
    stack = await startStack();
    const stored = await upload(stack.gateway.url, [corpusPath(CT_SMALL)], '?wait=true');
    const invalidFile = loadManifest().find((e) => e.expected === 'invalid' && e.kind === 'file')!;
    const rejected = await upload(stack.gateway.url, entryFiles(invalidFile), '?wait=true');
    expect(stored.status).toBe(201);
    expect(rejected.body.state).toBe('rejected');
    const before = await Promise.all([stored.body.id, rejected.body.id].map((id) => statusOf(stack!, id)));

    for (const name of ['gateway', 'validator', 'descriptor', 'gateway'] as const) {
      await stack.restart(name);
      const after = await Promise.all([stored.body.id, rejected.body.id].map((id) => statusOf(stack!, id)));
      expect(after, `after restarting the ${name}`).toEqual(before);
    }
    const list = (await (await fetch(`${stack.gateway.url}/status`)).json()) as Body;
    expect(list.uploads.map((s: Body) => s.id)).toEqual([stored.body.id, rejected.body.id]);
  });

  it('when the gateway is killed (SIGKILL) with studies validating and describing, then after it starts again every accepted study is stored exactly once', async () => {
    // Long retries: the studies wait for the stopped services instead of failing.
    const configDir = await writeConfigDir({ gateway: { pipeline: { retry: { attempts: 20, baseDelayMs: 200, maxDelayMs: 2000 } } } });
    stack = await startStack({ CONFIG_DIR: configDir });
    const uploads = [
      'valid/synthetic/ct-512-explicit-le',
      'valid/synthetic/mr-256-implicit-le',
      'valid/synthetic/multi-series-study',
      'valid/synthetic/cr-1024/CR_0001.dcm',
      'valid/studies/pcir-ct-head',
    ].map(studyFiles);

    // The descriptor down: the first three pass validation and wait in 'describing'.
    expect(await stack.descriptor.stop()).toBe(0);
    const describing: string[] = [];
    for (const files of uploads.slice(0, 3)) {
      const accepted = await upload(stack.gateway.url, files);
      expect(accepted.status).toBe(202);
      describing.push(accepted.body.id);
    }
    await waitForStates(stack, describing, ['describing']);
    // The validator down too: the last two wait in 'validating', or in 'received' behind them (4 at a time).
    expect(await stack.validator.stop()).toBe(0);
    const validating: string[] = [];
    for (const files of uploads.slice(3)) validating.push((await upload(stack.gateway.url, files)).body.id);
    await waitForStates(stack, validating, ['received', 'validating']);
    // And an upload still arriving: never accepted, so it must leave nothing behind.
    const cutShort = startStalledUpload(stack.gateway.url);
    const stagingDir = stack.env.gateway.STAGING_DIR!;
    await waitFor(
      async () => visibleEntries(stagingDir).length,
      (n) => n === 6,
    );

    await stack.gateway.stop('SIGKILL');
    expect(stack.gateway.child.signalCode).toBe('SIGKILL');
    cutShort.destroy();
    const ids = [...describing, ...validating];
    // Only 'received' and the final state are written: the rest is run again from 'received'.
    const data = openGatewayDb(databaseOf(stack));
    const persisted = await Promise.all(ids.map((id) => data.stateOf(id)));
    await data.close();
    expect(persisted).toEqual(ids.map(() => 'received'));

    await Promise.all([stack.restart('validator'), stack.restart('descriptor')]);
    const started = Date.now();
    await stack.restart('gateway');
    const finals = await waitForStates(stack, ids, ['stored', 'rejected', 'failed'], 25_000);
    const recoveredMs = Date.now() - started;
    console.info(`[crash] ${ids.length} studies stored ${recoveredMs} ms after the gateway started again`);

    expect(finals.map((s) => s.state)).toEqual(ids.map(() => 'stored'));
    // Five uploads of five DICOM studies: one folder each.
    const uids = finals.map((s) => s.study.StudyInstanceUID as string);
    expect(new Set(uids).size).toBe(ids.length);
    expect(visibleEntries(stack.studiesDir)).toEqual([...uids].sort());
    await waitFor(
      async () => incomingLeftovers(stack!.studiesDir),
      (left) => left.length === 0,
      5000,
    );
    expect(visibleEntries(stack.rejectedDir)).toEqual([]);
    // The staged files go right after the final state is on disk.
    await waitFor(
      async () => visibleEntries(stagingDir),
      (left) => left.length === 0,
      5000,
    );
    for (const [index, id] of ids.entries()) {
      expect(storedOriginalHashes(studyFolder(stack, finals[index]!)), id).toEqual(uploads[index]!.map(sha256).sort());
      expect(finals[index]!.join).toMatchObject({ added: uploads[index]!.length, duplicates: [] });
      const types = finals[index]!.events.map((e: Body) => e.type);
      expect(types.filter((t: string) => t === 'study.resumed')).toHaveLength(1);
      expect(types.filter((t: string) => t === 'study.processed')).toHaveLength(1);
      expect(finals[index]!.events.filter((e: Body) => e.type === 'storage.completed').map((e: Body) => e.data.alreadyStored)).toEqual([
        false,
      ]);
    }
  });

  it('when the gateway is killed while the descriptor is writing, then nothing is half-written and every study ends stored once', async () => {
    stack = await startStack();
    const files = studyFiles('valid/synthetic/ct-512-explicit-le');
    const single = [corpusPath('valid/synthetic/dx-1024/DX_0001.dcm')];
    const ids = [(await upload(stack.gateway.url, files)).body.id, (await upload(stack.gateway.url, single)).body.id];
    // Kill as soon as the first study reaches the descriptor: its request is cut mid-stream.
    await waitFor(
      () => statusOf(stack!, ids[0]),
      (s) => s.state !== 'received' && s.state !== 'validating',
      15_000,
      5,
    );
    await stack.gateway.stop('SIGKILL');
    await stack.restart('gateway');
    const finals = await waitForStates(stack, ids, ['stored', 'rejected', 'failed'], 20_000);
    expect(finals.map((s) => s.state)).toEqual(['stored', 'stored']);
    expect(visibleEntries(stack.studiesDir)).toEqual(finals.map((s) => s.study.StudyInstanceUID).sort());
    await waitFor(
      async () => incomingLeftovers(stack!.studiesDir),
      (left) => left.length === 0,
      5000,
    );
    expect(storedOriginalHashes(studyFolder(stack, finals[0]!))).toEqual(files.map(sha256).sort());
    expect(storedOriginalHashes(studyFolder(stack, finals[1]!))).toEqual(single.map(sha256));
  });

  it('when the descriptor is killed (SIGKILL) while it writes a study, then the gateway retries against the restarted descriptor and the study is stored once, whole', async () => {
    const configDir = await writeConfigDir({ gateway: { pipeline: { retry: { attempts: 20, baseDelayMs: 100, maxDelayMs: 500 } } } });
    stack = await startStack({ CONFIG_DIR: configDir });
    const files = studyFiles('valid/synthetic/ct-512-explicit-le');
    const answer = upload(stack.gateway.url, files, '?wait=true');
    await firstUploadDescribing(stack);
    await stack.descriptor.stop('SIGKILL');
    await stack.restart('descriptor');
    const final = await answer;
    expect(final.status).toBe(201);
    expect(final.body.join).toMatchObject({ added: files.length, duplicates: [] });
    const cut = stack.gateway.output.filter((line) => line.includes('"msg":"retrying"') && line.includes('"service":"descriptor"')).length;
    console.info(`[crash] descriptor killed mid-describe: ${cut} describe call(s) retried`);
    expect(visibleEntries(stack.studiesDir)).toEqual([final.body.study.StudyInstanceUID]);
    await waitFor(
      async () => incomingLeftovers(stack!.studiesDir),
      (left) => left.length === 0,
      5000,
    );
    expect(storedOriginalHashes(studyFolder(stack, final.body))).toEqual(files.map(sha256).sort());
  });

  it('when the gateway is killed before it answers an upload that waits (?wait=true), then after it starts again that upload has no status and its staged files are gone, and the same files sent again are stored', async () => {
    const configDir = await writeConfigDir({ gateway: { pipeline: { retry: { attempts: 20, baseDelayMs: 500, maxDelayMs: 1000 } } } });
    stack = await startStack({ CONFIG_DIR: configDir });
    const files = [corpusPath(CT_SMALL)];
    // With the descriptor down the upload cannot end: it waits, retrying, until the gateway is killed.
    await stack.descriptor.stop('SIGKILL');
    const cut = upload(stack.gateway.url, files, '?wait=true').then(
      () => 'answered',
      () => 'cut',
    );
    const id = await firstUploadDescribing(stack);
    const staging = stack.env.gateway.STAGING_DIR!;
    expect(visibleEntries(staging)).toEqual([id]);
    await stack.gateway.stop('SIGKILL');
    expect(await cut).toBe('cut');

    await stack.restart('descriptor');
    await stack.restart('gateway');
    expect((await getJson(`${stack.gateway.url}/status/${id}`)).status).toBe(404);
    expect(visibleEntries(staging)).toEqual([]);
    expect(visibleEntries(stack.studiesDir)).toEqual([]);
    const again = await upload(stack.gateway.url, files, '?wait=true');
    expect(again.status).toBe(201);
    expect(again.body.join).toMatchObject({ added: 1, duplicates: [] });
  });

  it("when the gateway died after the descriptor stored a study but before it recorded 'stored', then the study runs again and the descriptor answers alreadyStored", async () => {
    stack = await startStack();
    const files = studyFiles('valid/studies/pcir-ct-head');
    const first = await upload(stack.gateway.url, files, '?wait=true');
    expect(first.status).toBe(201);
    const id: string = first.body.id;
    expect(await stack.gateway.stop('SIGKILL')).toBe(null);
    // What such a crash leaves on disk: the status still 'received' with its events so far (in the
    // status and in the feed), the staged files still there.
    const db = openDatabase(databaseOf(stack), '');
    const status = JSON.parse(db.prepare('SELECT body FROM statuses WHERE id = ?').pluck().get(id) as string) as Body;
    const cut = status.events.findIndex((e: Body) => e.service === 'validator');
    Object.assign(status, {
      state: 'received',
      outcome: null,
      paths: null,
      study: null,
      join: null,
      contents: null,
      events: status.events.slice(0, cut),
    });
    db.prepare('UPDATE statuses SET state = ?, outcome = NULL, body = ? WHERE id = ?').run('received', JSON.stringify(status), id);
    const kept = db.prepare('SELECT seq FROM events WHERE delivery_id = ? ORDER BY seq').pluck().all(id) as number[];
    db.prepare('DELETE FROM events WHERE delivery_id = ? AND seq > ?').run(id, kept[cut - 1]);
    db.close();
    const staged = path.join(stack.env.gateway.STAGING_DIR!, id);
    await mkdir(staged, { recursive: true });
    for (const [index, file] of files.entries()) await copyFile(file, path.join(staged, status.upload.files[index].file));

    await stack.restart('gateway');
    const [final] = await waitForStates(stack, [id], ['stored', 'rejected', 'failed']);
    expect(final!.state).toBe('stored');
    expect(final!.outcome).toEqual(first.body.outcome);
    expect(final!.paths).toEqual(first.body.paths);
    expect(final!.events.filter((e: Body) => e.type === 'storage.completed').map((e: Body) => e.data.alreadyStored)).toEqual([true]);
    expect(final!.events.map((e: Body) => e.type)).toContain('study.resumed');
    // The answer read back is the first run's: the same study, the same join, nothing added again.
    expect(final!.study).toMatchObject({ StudyInstanceUID: first.body.study.StudyInstanceUID, numberOfInstances: files.length });
    expect(final!.join).toEqual(first.body.join);
    const folder = studyFolder(stack, final!);
    expect(visibleEntries(stack.studiesDir)).toEqual([first.body.study.StudyInstanceUID]);
    expect(storedOriginalHashes(folder)).toEqual(files.map(sha256).sort());
    await waitFor(
      async () => visibleEntries(stack!.env.gateway.STAGING_DIR!),
      (left) => left.length === 0,
      5000,
    );
    expect(listTree(folder).filter((f) => f.includes('.tmp'))).toEqual([]);
  });
});

/**
 * The id of the first upload the gateway logged (study.uploaded), once its status says it is describing:
 * an upload that waits is answered only at its end, so its id comes from the log.
 */
async function firstUploadDescribing(stack: Stack): Promise<string> {
  const id = await waitFor(
    async () =>
      JSON.parse(stack.gateway.output.find((line) => line.includes('"study.uploaded"')) ?? 'null')?.event?.studyId as string | undefined,
    (value) => value !== undefined,
    10_000,
    5,
  );
  await waitFor(
    () => statusOf(stack, id!),
    (s) => s.state === 'describing',
    15_000,
    5,
  );
  return id!;
}

/** A multipart upload that sends its first bytes and then nothing: the gateway has started staging it. */
function startStalledUpload(gatewayUrl: string): http.ClientRequest {
  const { hostname, port } = new URL(gatewayUrl);
  const boundary = 'StalledBoundary';
  const req = http.request({
    host: hostname,
    port,
    method: 'POST',
    path: '/upload',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(10 * 1024 * 1024) },
  });
  req.on('error', () => undefined);
  req.write(`--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="a.dcm"\r\n\r\n`);
  req.write(Buffer.alloc(64 * 1024, 1));
  return req;
}

if (!corpusAvailable) describe('the gateway across restarts and crashes', () => it.skip(corpusSkipReason, () => undefined));
