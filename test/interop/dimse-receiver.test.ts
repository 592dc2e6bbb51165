/**
 * The C-STORE receiver against dcmtk's echoscu and storescu (real associations, real processes): a
 * whole study, a study in two associations, a broken instance, an unknown SOP class, a calling AE not
 * on the allow-list. Run by `npm run test:interop`; needs dcmtk and the study generator.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptedAssociations, dcmtkAvailable, dcmtkSkipReason, endedAssociations, freePort, runDcmtk } from '../support/dimse-tools.ts';
import { getJson, listTree, waitFor, type Body } from '../support/gateway-calls.ts';
import { generatorAvailable, generatorSkipReason, makeStudy, python } from '../support/make-study.ts';
import { startStack, type Stack } from '../support/services.ts';
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
    stack = await startStack({ DIMSE_PORT: String(port), DIMSE_AE_TITLE: AET, DIMSE_ALLOWED_CALLING_AE_TITLES: 'MODALITY,ORTHANC,OTHER', STABLE_AFTER_SECONDS: '1' });
  });

  afterAll(async () => {
    await stack?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const storescu = (files: string[], extra: string[] = [], calling = 'MODALITY') => runDcmtk('storescu', ['-aet', calling, '-aec', AET, ...extra, '127.0.0.1', String(port), ...files]);

  /** The association status of the newest association once it has ended. */
  async function lastAssociation(before: number): Promise<Body> {
    const ended = await waitFor(async () => endedAssociations(stack.gateway), (ids) => ids.length > before);
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
    expect(association.peer).toMatchObject({ callingAeTitle: 'MODALITY', calledAeTitle: AET, address: expect.stringContaining('127.0.0.1') });
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
    const unknown = await runDcmtk('storescu', ['-aet', 'MODALITY', '-aec', AET, '-R', '127.0.0.1', String(port), await rewrite(ct[0]!, 'unknown.dcm', [`ds.SOPClassUID = '${ECG}'`, `ds.file_meta.MediaStorageSOPClassUID = '${ECG}'`])]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr + unknown.stdout).toMatch(/No Acceptable Presentation Contexts/i);
  });

  it('when the calling AE title is not on the allow-list, then the association is rejected', async () => {
    const accepted = acceptedAssociations(stack.gateway).length;
    const result = await runDcmtk('echoscu', ['-aet', 'STRANGER', '-aec', AET, '127.0.0.1', String(port)]);
    expect(result.code).not.toBe(0);
    expect(result.stderr + result.stdout).toMatch(/Calling AE Title Not Recognized|rejected/i);
    expect(acceptedAssociations(stack.gateway).length).toBe(accepted);
  });

  /** A copy of `source` changed by pydicom statements (on `ds`). */
  async function rewrite(source: string, name: string, statements: string[]): Promise<string> {
    const out = path.join(work, name);
    const script = ['import pydicom, sys', 'ds = pydicom.dcmread(sys.argv[1])', ...statements, 'ds.save_as(sys.argv[2], write_like_original=True)'].join('\n');
    await run(python, ['-c', script, source, out]);
    return out;
  }
});
