/**
 * The C-STORE receiver against dcmtk's echoscu and storescu (real associations, real processes): a
 * whole study, a study in two associations, a broken instance, an unknown SOP class, a calling AE not
 * on the allow-list. Run by `npm run test:interop`; needs dcmtk and the study generator.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dcmtkAvailable, dcmtkSkipReason, endedAssociations, freePort, runDcmtk } from '../support/dimse-tools.ts';
import { getJson, listTree, readFeed, waitFor, waitForStable, type Body } from '../support/gateway-calls.ts';
import { generatorAvailable, generatorSkipReason, makeStudy, python } from '../support/make-study.ts';
import { startService, startStack, type Stack } from '../support/services.ts';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const skipReason = !dcmtkAvailable ? dcmtkSkipReason : !(await generatorAvailable()) ? generatorSkipReason : undefined;
if (skipReason) console.warn(`[interop] ${skipReason}`);

const AET = 'DSVTEST';
const ECG = '1.2.840.10008.5.1.4.1.1.9.1.1';

describe.skipIf(skipReason)('DICOM receiver (dcmtk storescu/echoscu)', () => {
  let stack: Stack;
  let port: number;
  let work: string;
  let ct: string[];

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'dsv-dimse-'));
    ct = await makeStudy('ct', path.join(work, 'ct'), ['--slices', '6', '--rows', '64', '--cols', '64', '--seed', '181']);
    port = await freePort();
    stack = await startStack({
      DIMSE_PORT: String(port),
      DIMSE_AE_TITLE: AET,
      DIMSE_ALLOWED_CALLING_AE_TITLES: 'MODALITY,ORTHANC,OTHER',
      STABLE_AFTER_SECONDS: '1',
    });
  });

  afterAll(async () => {
    await stack?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const storescu = (files: string[], extra: string[] = [], calling = 'MODALITY') =>
    runDcmtk('storescu', ['-aet', calling, '-aec', AET, ...extra, '127.0.0.1', String(port), ...files]);

  /** The association status of the newest association once it has ended. */
  async function lastAssociation(before: number): Promise<Body> {
    const ended = await waitFor(
      async () => endedAssociations(stack.gateway),
      (ids) => ids.length > before,
    );
    const id = ended.at(-1)!;
    return (await getJson(`${stack.gateway.url}/status/${id}`)).body;
  }

  it('when echoscu verifies, then the association is accepted and released', async () => {
    const result = await runDcmtk('echoscu', ['-aet', 'MODALITY', '-aec', AET, '127.0.0.1', String(port)]);
    expect(result.code, result.stderr).toBe(0);
  });

  it('when storescu sends a whole study, then every instance is answered Success and the study holds them all', async () => {
    const before = endedAssociations(stack.gateway).length;
    const result = await storescu(ct);
    expect(result.code, result.stderr).toBe(0);
    const association = await lastAssociation(before);
    expect(association.kind).toBe('association');
    expect(association.state).toBe('released');
    expect(association.peer).toMatchObject({
      callingAeTitle: 'MODALITY',
      calledAeTitle: AET,
      address: expect.stringContaining('127.0.0.1'),
    });
    expect(association.counts).toMatchObject({ instances: 6, failed: 0 });
    expect(association.instances.every((i: Body) => ['0000', 'B007'].includes(i.status))).toBe(true);
    expect(association.studies).toHaveLength(1);
    const uid = association.studies[0].StudyInstanceUID as string;
    const study = await getJson(`${stack.gateway.url}/studies/${uid}`);
    expect(study.status).toBe(200);
    expect(study.body.files).toHaveLength(6);
    // Each instance is a delivery of its own, linked to the association by its correlation id.
    const delivery = await getJson(`${stack.gateway.url}${association.instances[0].statusUrl}`);
    expect(delivery.body).toMatchObject({ state: 'stored', correlationId: association.id });

    // The feed has the association opened, its six instances' deliveries, then the association closed
    // with the same counts; its status lists the same two events.
    const feed = await waitFor(
      () => readFeed(stack.gateway.url),
      (events) => events.some((e) => e.studyId === association.id && e.type === 'association.released'),
    );
    // study.stable is the study's, whenever it comes: not the association's sequence.
    const mine = feed.filter((e) => e.correlationId === association.id && e.type !== 'study.stable');
    const types = mine.map((e) => e.type);
    expect(types[0]).toBe('association.accepted');
    expect(types.at(-1)).toBe('association.released');
    expect(types.filter((t) => t === 'study.uploaded')).toHaveLength(6);
    expect(mine.filter((e) => e.type.startsWith('association.')).map((e) => e.studyId)).toEqual([association.id, association.id]);
    expect(mine[0]).toMatchObject({
      service: 'gateway',
      data: {
        callingAeTitle: 'MODALITY',
        calledAeTitle: AET,
        address: expect.stringContaining('127.0.0.1'),
        acceptedContexts: expect.any(Number),
        rejectedContexts: expect.any(Number),
      },
    });
    const released = mine.at(-1)!;
    expect(released.data).toEqual({
      instances: 6,
      success: association.counts.stored,
      warning: association.counts.warned,
      failure: 0,
      studyInstanceUids: [uid],
    });
    expect(released.data.success + released.data.warning).toBe(6);
    expect(released.seq).toBeGreaterThan(mine[0]!.seq);
    expect(association.events.map((e: Body) => e.type)).toEqual(['association.accepted', 'association.released']);
    expect(association.events.map((e: Body) => e.time)).toEqual([mine[0]!.time, released.time]);
  });

  it('when storescu aborts instead of releasing, then the association ends aborted and its association.aborted event names the A-ABORT', async () => {
    const before = endedAssociations(stack.gateway).length;
    const result = await storescu(ct.slice(0, 1), ['--abort']);
    expect(result.code, result.stderr).toBe(0);
    const association = await lastAssociation(before);
    expect(association.state).toBe('aborted');
    const feed = await waitFor(
      () => readFeed(stack.gateway.url),
      (events) => events.some((e) => e.studyId === association.id && e.type === 'association.aborted'),
    );
    const mine = feed.filter((e) => e.studyId === association.id).map((e) => [e.type, e.data.cause ?? null]);
    expect(mine).toEqual([
      ['association.accepted', null],
      ['association.aborted', 'peer-abort'],
    ]);
    const aborted = feed.find((e) => e.studyId === association.id && e.type === 'association.aborted')!;
    // dcmtk aborts as the service user (source 0, PS3.8 §9.3.8), once its one instance was answered.
    expect(aborted.data).toMatchObject({
      instances: 1,
      failure: 0,
      source: 0,
      studyInstanceUids: association.studies.map((s: Body) => s.StudyInstanceUID),
    });
  });

  it('when a study comes in two associations, then both join the same study, and a re-sent instance is Success (duplicate)', async () => {
    const files = await makeStudy('ct', path.join(work, 'two'), ['--slices', '4', '--rows', '32', '--cols', '32', '--seed', '182']);
    let before = endedAssociations(stack.gateway).length;
    expect((await storescu(files.slice(0, 2))).code).toBe(0);
    const first = await lastAssociation(before);
    before = endedAssociations(stack.gateway).length;
    expect((await storescu(files.slice(1))).code).toBe(0);
    const second = await lastAssociation(before);
    expect(second.studies[0].StudyInstanceUID).toBe(first.studies[0].StudyInstanceUID);
    expect(second.counts.failed).toBe(0);
    const study = await getJson(`${stack.gateway.url}/studies/${first.studies[0].StudyInstanceUID}`);
    expect(study.body.files).toHaveLength(4);
  });

  it('when an instance breaks its IOD, then it is answered A900 naming the finding, kept under rejected/, not in studies/', async () => {
    const file = await rewrite(ct[0]!, 'broken.dcm', ['del ds.Modality', 'del ds.SeriesInstanceUID']);
    const before = endedAssociations(stack.gateway).length;
    const result = await storescu([file!], ['-v']);
    const association = await lastAssociation(before);
    expect(association.counts.failed, JSON.stringify(association.instances)).toBe(1);
    const instance = association.instances[0];
    expect(instance).toMatchObject({ status: 'A900', code: 'STUDY_INVALID', comment: expect.stringMatching(/^STUDY_INVALID: \S+/) });
    expect(result.stderr + result.stdout).toMatch(/Received Store Response \(Error: DataSetDoesNotMatchSOPClass\)/);
    const delivery = await getJson(`${stack.gateway.url}${instance.statusUrl}`);
    expect(delivery.body.state).toBe('rejected');
    expect(listTree(stack.rejectedDir).some((p) => p.includes(instance.deliveryId))).toBe(true);
    expect(listTree(stack.studiesDir).some((p) => p.includes(instance.deliveryId))).toBe(false);
  });

  it('when the SOP class is unknown, then its presentation context is refused in negotiation', async () => {
    // A storage class dcmtk knows and we do not (12-lead ECG, no IOD of the validator's); storescu proposes
    // the SOP classes of its files only (-R), so nothing is left to send on.
    const unknown = await runDcmtk('storescu', [
      '-aet',
      'MODALITY',
      '-aec',
      AET,
      '-R',
      '127.0.0.1',
      String(port),
      await rewrite(ct[0]!, 'unknown.dcm', [`ds.SOPClassUID = '${ECG}'`, `ds.file_meta.MediaStorageSOPClassUID = '${ECG}'`]),
    ]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr + unknown.stdout).toMatch(/No Acceptable Presentation Contexts/i);
  });

  it('when the calling AE title is not on the allow-list, then the association is rejected', async () => {
    const result = await runDcmtk('echoscu', ['-aet', 'STRANGER', '-aec', AET, '127.0.0.1', String(port)]);
    expect(result.code).not.toBe(0);
    expect(result.stderr + result.stdout).toMatch(/Calling AE Title Not Recognized|rejected/i);
    // The feed, not a count of log lines (the gateway's output may still be arriving from earlier tests):
    // its rejection is there, and no association of that caller was ever accepted.
    const feed = await waitFor(
      () => readFeed(stack.gateway.url),
      (events) => events.some((e) => e.type === 'association.rejected' && e.data.callingAeTitle === 'STRANGER'),
    );
    expect(feed.find((e) => e.type === 'association.rejected' && e.data.callingAeTitle === 'STRANGER')!.data).toMatchObject({
      cause: 'calling-ae-title-not-allowed',
      result: 'permanent',
    });
    expect(feed.filter((e) => e.type === 'association.accepted' && e.data.callingAeTitle === 'STRANGER')).toEqual([]);
  });

  it('when the gateway is killed right after an association, then each answered instance is on record as stored and its study still goes stable', async () => {
    // An instance's 'received' state is held in memory only: what must be on disk before its answer is the
    // final state, which also marks its study receiving for the stability checks.
    const files = await makeStudy('ct', path.join(work, 'killed'), ['--slices', '3', '--rows', '32', '--cols', '32', '--seed', '183']);
    const before = endedAssociations(stack.gateway).length;
    expect((await storescu(files)).code).toBe(0);
    const association = await lastAssociation(before);
    expect(association.counts).toMatchObject({ instances: 3, failed: 0 });
    await stack.gateway.stop('SIGKILL');
    stack.gateway = await startService('gateway', { ...stack.env.gateway, GATEWAY_PORT: new URL(stack.gateway.url).port });
    for (const instance of association.instances as Body[]) {
      const delivery = await getJson(`${stack.gateway.url}${instance.statusUrl}`);
      expect(delivery.body).toMatchObject({ state: 'stored', correlationId: association.id });
    }
    const stable = await waitForStable(stack, association.instances[0].deliveryId);
    expect(stable.study.StudyInstanceUID).toBe(association.studies[0].StudyInstanceUID);
    expect(await readdir(path.join(stack.dir, 'var', 'staging'))).toEqual([]);
  });

  /** A copy of `source` changed by pydicom statements (on `ds`). */
  async function rewrite(source: string, name: string, statements: string[]): Promise<string> {
    const out = path.join(work, name);
    const script = [
      'import pydicom, sys',
      'ds = pydicom.dcmread(sys.argv[1])',
      ...statements,
      'ds.save_as(sys.argv[2], write_like_original=True)',
    ].join('\n');
    await run(python, ['-c', script, source, out]);
    return out;
  }
});
