import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusAvailable, corpusPath, entryFiles, loadManifest } from '../support/corpus.ts';
import { getJson, sha256, upload, type Body } from '../support/gateway-calls.ts';
import { startStack, type Stack } from '../support/services.ts';

const API_KEY = 'browse-e2e-key-0123456789abcdef';
const auth = { authorization: `Bearer ${API_KEY}` };

/**
 * Issue 5 end to end: studies uploaded through the gateway, then found and read back through the
 * gateway's GET /studies*, which the descriptor answers from its folders. With API keys on, so that the
 * guard and the internal token between gateway and descriptor are both in the path.
 */
describe.skipIf(!corpusAvailable)('browsing the studies through the gateway, end to end', () => {
  let stack: Stack;
  const uploads: { files: string[]; body: Body }[] = [];
  const entry = (relative: string) => loadManifest().find((candidate) => candidate.path === relative)!;

  /** The StudyInstanceUIDs of the two stored uploads, and the id of the rejected delivery. */
  let pcirUid: string;
  let multiUid: string;
  let rejectedId: string;

  beforeAll(async () => {
    // Never stable during the test: every study listed is 'receiving', whatever the machine's speed.
    stack = await startStack({ GATEWAY_API_KEYS: API_KEY, STABLE_AFTER_SECONDS: '600' });
    for (const relative of ['valid/studies/pcir-ct-head', 'valid/synthetic/multi-series-study', 'invalid/single/png-named-dcm.dcm']) {
      const files = entryFiles(entry(relative));
      const answer = await upload(stack.gateway.url, files, '?wait=true', auth);
      expect(answer.status, JSON.stringify(answer.body.findings)).toBe(relative.startsWith('valid') ? 201 : 400);
      uploads.push({ files, body: answer.body });
    }
    [pcirUid, multiUid] = uploads.slice(0, 2).map((u) => u.body.study.StudyInstanceUID as string) as [string, string];
    rejectedId = uploads[2]!.body.id;
  }, 60_000);
  afterAll(() => stack?.stop());

  it('when the list is asked without the API key, then 401', async () => {
    expect((await getJson(`${stack.gateway.url}/studies`)).status).toBe(401);
  });

  it('when the list is asked, then the DICOM studies are there, newest first, with their summaries; rejected deliveries apart; filters and pages work across the hop', async () => {
    const { status, body } = await getJson(`${stack.gateway.url}/studies`, { headers: auth });
    expect(status).toBe(200);
    expect(body.studies.map((study: Body) => study.id)).toEqual([multiUid, pcirUid]);
    const [multi, pcir] = body.studies;
    expect(pcir).toMatchObject({
      state: 'receiving',
      summary: {
        StudyInstanceUID: pcirUid,
        PatientID: '77654033',
        StudyDate: '1995-09-03',
        modalities: ['CT'],
        numberOfSeries: 1,
        numberOfInstances: 4,
      },
    });
    expect(multi).toMatchObject({
      state: 'receiving',
      summary: { StudyInstanceUID: multiUid, modalities: ['CT', 'MR'], numberOfSeries: 2, numberOfInstances: 6 },
    });
    const rejected = await getJson(`${stack.gateway.url}/studies?state=rejected`, { headers: auth });
    expect(rejected.body.studies.map((study: Body) => study.id)).toEqual([rejectedId]);
    expect(rejected.body.studies[0]).toMatchObject({ state: 'rejected', links: { metadata: null } });

    const mr = await getJson(`${stack.gateway.url}/studies?ModalitiesInStudy=MR&StudyDate=20230101-2023-12-31`, { headers: auth });
    expect(mr.body.studies.map((study: Body) => study.id)).toEqual([multiUid]);
    // One study a page: the cursor walks the whole list, then ends.
    const paged: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 4; page++) {
      const answer = await getJson(`${stack.gateway.url}/studies?limit=1${cursor ? `&cursor=${cursor}` : ''}`, { headers: auth });
      expect(answer.body.studies.length).toBeLessThanOrEqual(1);
      paged.push(...answer.body.studies.map((study: Body) => study.id));
      cursor = answer.body.nextCursor;
      if (cursor === null) break;
    }
    expect(cursor).toBeNull();
    expect(paged).toEqual([multiUid, pcirUid]);
    const bad = await getJson(`${stack.gateway.url}/studies?state=failed`, { headers: auth });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('REQUEST_INVALID');
    const badKey = await getJson(`${stack.gateway.url}/studies/not-a-uid-nor-an-id`, { headers: auth });
    expect([badKey.status, badKey.body.error.code]).toEqual([400, 'STUDY_ID_INVALID']);
  });

  it('when each instance of a stored study is fetched, then the gateway answers its original bytes, whole and by range', async () => {
    const id = pcirUid;
    const { body: detail } = await getJson(`${stack.gateway.url}/studies/${id}`, { headers: auth });
    expect(detail.files).toHaveLength(4);
    // The delivery's id names the study it joined.
    expect((await getJson(`${stack.gateway.url}/studies/${uploads[0]!.body.id}`, { headers: auth })).body).toEqual(detail);
    const byHash = new Map(uploads[0]!.files.map((file) => [sha256(file), file]));
    for (const file of detail.files as Body[]) {
      const original = readFileSync(byHash.get(file.sha256)!);
      const whole = await fetch(`${stack.gateway.url}${file.href}`, { headers: auth });
      expect(whole.status).toBe(200);
      expect(whole.headers.get('content-type')).toBe('application/dicom');
      expect(whole.headers.get('etag')).toBe(`"${file.sha256}"`);
      expect(Buffer.from(await whole.arrayBuffer()).equals(original)).toBe(true);

      const head = await fetch(`${stack.gateway.url}/studies/${id}/files/${file.SOPInstanceUID}`, {
        headers: { ...auth, range: 'bytes=0-131' },
      });
      expect(head.status).toBe(206);
      expect(head.headers.get('content-range')).toBe(`bytes 0-131/${original.length}`);
      expect(Buffer.from(await head.arrayBuffer()).equals(original.subarray(0, 132))).toBe(true);
      const tail = await fetch(`${stack.gateway.url}${file.href}`, { headers: { ...auth, range: 'bytes=-100' } });
      expect(Buffer.from(await tail.arrayBuffer()).equals(original.subarray(original.length - 100))).toBe(true);
    }
    const past = await fetch(`${stack.gateway.url}${detail.files[0].href}`, { headers: { ...auth, range: 'bytes=99999999-' } });
    expect(past.status).toBe(416);
  });

  it('when metadata, validation log and a rejected file are fetched, then they are what the descriptor wrote and what was sent', async () => {
    const stored = multiUid;
    const metadata = await getJson(`${stack.gateway.url}/studies/${stored}/metadata`, { headers: auth });
    expect(metadata.status).toBe(200);
    expect(metadata.body).toMatchObject({ studyId: stored, deliveries: [uploads[1]!.body.id], summary: { numberOfInstances: 6 } });
    const log = await fetch(`${stack.gateway.url}/studies/${stored}/validation`, { headers: auth });
    expect(log.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const text = await log.text();
    expect(text).toContain(stored);
    expect(text).toContain(`Delivery ${uploads[1]!.body.id}`);

    const rejected = rejectedId;
    expect((await getJson(`${stack.gateway.url}/studies/${rejected}/metadata`, { headers: auth })).body.error.code).toBe(
      'METADATA_NOT_FOUND',
    );
    const sent = await fetch(`${stack.gateway.url}/studies/${rejected}/files/0001.dcm`, { headers: auth });
    expect(Buffer.from(await sent.arrayBuffer()).equals(readFileSync(corpusPath('invalid/single/png-named-dcm.dcm')))).toBe(true);
  });

  it('when the descriptor restarts, then it lists the same studies again, from its folders', async () => {
    const lists = async () =>
      Promise.all(
        ['', '?state=rejected'].map(async (query) => (await getJson(`${stack.gateway.url}/studies${query}`, { headers: auth })).body),
      );
    const before = await lists();
    expect(before.map((list) => list.studies.length)).toEqual([2, 1]);
    await stack.restart('descriptor');
    expect(await lists()).toEqual(before);
  });
});
