import { createHash } from 'node:crypto';
import { existsSync, openAsBlob, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  corpusAvailable,
  corpusSkipReason,
  projectRoot,
  entryFiles,
  loadManifest,
  splitReason,
  type ManifestEntry,
} from '../support/corpus.ts';
import { dcmdumpValues } from '../support/dcmdump-reference.ts';
import { listTree, storedOriginalHashes, waitFor, waitForStable, type Body } from '../support/gateway-calls.ts';
import { startStack, type Stack } from '../support/services.ts';

/**
 * The outcome rules, written here from the issue text (not imported from the code): not DICOM or
 * damaged → 400; required attributes, values or study structure → 422.
 */
const NOT_DICOM_OR_CORRUPT = new Set([
  'not-dicom',
  'empty-file',
  'no-preamble',
  'no-dicm-magic',
  'no-file-meta',
  'truncated',
  'length-past-eof',
  'huge-length',
  'pixel-length-mismatch',
  'meta-missing-transfer-syntax',
  'meta-sop-instance-mismatch',
]);
const expectedStatus = (entry: ManifestEntry): number =>
  entry.expected === 'valid' ? 201 : entry.expected_reasons.some((r) => NOT_DICOM_OR_CORRUPT.has(splitReason(r).code)) ? 400 : 422;

const formatTag = (tag: string) => `(${tag.slice(0, 4)},${tag.slice(4)})`;
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

async function upload(stack: Stack, files: string[], query = '?wait=true', headers: Record<string, string> = {}) {
  const form = new FormData();
  for (const file of files) form.append('files', await openAsBlob(file), path.basename(file));
  const response = await fetch(`${stack.gateway.url}/upload${query}`, { method: 'POST', body: form, headers });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Body };
}

/** The StudyInstanceUID of a corpus upload, as dcmdump read it. */
const studyUidOf = (files: string[]): string => {
  const uid = dcmdumpValues(files[0]!)?.get('StudyInstanceUID');
  if (!uid) throw new Error(`no dcmdump reference names the StudyInstanceUID of ${files[0]}`);
  return uid;
};

describe.skipIf(!corpusAvailable)('the three services, end to end over HTTP', () => {
  /**
   * Several corpus uploads share a StudyInstanceUID (MR_small in four transfer syntaxes, JPEG2000 and
   * JPGExtended): each would join the study the first one made. So the Nth upload of a StudyInstanceUID goes
   * to the Nth stack, and each study checked here holds exactly the files of its upload. Stable right after
   * each delivery (STABLE_AFTER_SECONDS 0), so metadata.dicom.json and fhir.json come without a wait on time.
   */
  const stacks: Stack[] = [];
  const sent = new Map<string, number>();
  const stackFor = async (uid: string): Promise<Stack> => {
    const generation = sent.get(uid) ?? 0;
    sent.set(uid, generation + 1);
    while (stacks.length <= generation) stacks.push(await startStack({ STABLE_AFTER_SECONDS: '0' }));
    return stacks[generation]!;
  };
  let stack: Stack;
  beforeAll(async () => {
    stack = stacks[0] = await startStack({ STABLE_AFTER_SECONDS: '0' });
  });
  afterAll(() => Promise.all(stacks.map((started) => started.stop())));

  const manifest = loadManifest();

  it('when an upload is sent without waiting, then 202 comes first and the status walks to stored with every event', async () => {
    const valid = manifest.find((entry) => entry.path === 'valid/samples/CT_small.dcm')!;
    const stack = await stackFor(studyUidOf(entryFiles(valid)));
    const accepted = await upload(stack, entryFiles(valid), '', { 'x-correlation-id': 'e2e-correlation-1' });
    expect(accepted.status).toBe(202);
    expect(accepted.headers.get('location')).toBe(`/status/${accepted.body.id}`);
    // Polled on its statusUrl until final: bounded by a condition, not by the machine's speed.
    const status = await waitFor(
      async () => (await (await fetch(`${stack.gateway.url}${accepted.body.statusUrl}`)).json()) as Body,
      (s) => ['stored', 'rejected', 'failed'].includes(s.state),
      30_000,
    );
    expect(status.state).toBe('stored');
    const events = status.events as { type: string; service: string; correlationId: string; studyId: string }[];
    expect(events.map((e) => `${e.service}:${e.type}`)).toEqual([
      'gateway:study.uploaded',
      'validator:validation.success',
      'gateway:study.validated',
      'descriptor:metadata.extracted',
      'descriptor:storage.completed',
      'gateway:study.processed',
    ]);
    expect(new Set(events.map((e) => e.correlationId))).toEqual(new Set(['e2e-correlation-1']));
    expect(new Set(events.map((e) => e.studyId))).toEqual(new Set([accepted.body.id]));
    expect(status.contents).toMatchObject({ modalities: ['CT'], numberOfSeries: 1, numberOfInstances: 1 });
  });

  describe.each(manifest.filter((entry) => entry.expected === 'valid'))('when the valid upload $path is sent', (entry) => {
    it('then it is stored with its original bytes, metadata.json and validation.log', async () => {
      const files = entryFiles(entry);
      const uid = studyUidOf(files);
      const stack = await stackFor(uid);
      const { status, body } = await upload(stack, files);
      expect(status, JSON.stringify(body.findings)).toBe(201);
      expect(body).toMatchObject({
        state: 'stored',
        outcome: { code: 'STORED', httpStatus: 201 },
        study: { StudyInstanceUID: uid, url: `/studies/${uid}`, numberOfInstances: files.length },
        join: { added: files.length, duplicates: [] },
      });
      const dir = path.join(stack.studiesDir, uid);
      expect(existsSync(path.join(stack.rejectedDir, body.id))).toBe(false);
      expect(storedOriginalHashes(dir)).toEqual(files.map(sha256).sort());

      const references = files.map((file) => ({ file, values: dcmdumpValues(file) }));
      const uids = references.map((r) => r.values?.get('SOPInstanceUID'));
      if (files.length === 1) {
        expect(sha256(path.join(dir, 'original.dcm'))).toBe(sha256(files[0]!));
      } else {
        for (const [index, file] of files.entries()) {
          expect(sha256(path.join(dir, 'originals', `${uids[index]}.dcm`))).toBe(sha256(file));
        }
      }

      const metadata = JSON.parse(readFileSync(path.join(dir, 'metadata.json'), 'utf8'));
      const first = references[0]!.values!;
      expect(metadata.study.StudyInstanceUID).toBe(first.get('StudyInstanceUID'));
      expect(metadata.summary.numberOfInstances).toBe(files.length);
      expect(metadata.summary.modalities).toContain(first.get('Modality'));
      expect(new Set(metadata.instances.map((i: { SOPInstanceUID: string }) => i.SOPInstanceUID))).toEqual(new Set(uids));
      for (const instance of metadata.instances) {
        const reference = references[uids.indexOf(instance.SOPInstanceUID)]!;
        if (reference.values!.has('Rows')) expect(instance.Rows).toBe(Number(reference.values!.get('Rows')));
        expect(instance.sha256).toBe(sha256(reference.file));
      }
      expect(JSON.stringify(metadata)).not.toContain('undefined');
      expect(metadata.deliveries).toEqual([body.id]);
      expect(metadata.instances.map((instance: { deliveryId: string }) => instance.deliveryId)).toEqual(files.map(() => body.id));
      // The standard outputs, written once the study is stable: the DICOM JSON of every instance, in metadata.json's order, and a FHIR bundle.
      await waitForStable(stack, body.id);
      const dicomJson = JSON.parse(readFileSync(path.join(dir, 'metadata.dicom.json'), 'utf8')) as Record<string, { Value?: unknown[] }>[];
      expect(dicomJson.map((instance) => instance['00080018']?.Value?.[0])).toEqual(
        metadata.instances.map((i: { SOPInstanceUID: string }) => i.SOPInstanceUID),
      );
      const fhir = JSON.parse(readFileSync(path.join(dir, 'fhir.json'), 'utf8'));
      expect(fhir).toMatchObject({
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [{ resource: { resourceType: 'Patient' } }, { resource: { resourceType: 'ImagingStudy', numberOfInstances: files.length } }],
      });
      const log = readFileSync(path.join(dir, 'validation.log'), 'utf8');
      expect(log).toMatch(/valid/i);
      expect(log).toContain(`Delivery ${body.id}`);
      // Paths are relative to the descriptor's working directory (the project root here) when inside it.
      expect(path.resolve(projectRoot, body.paths.metadata)).toBe(path.join(dir, 'metadata.json'));
    });
  });

  describe.each(manifest.filter((entry) => entry.expected === 'invalid'))('when the invalid upload $path is sent', (entry) => {
    it(`then it is refused with the expected status and reasons, and kept under rejected/ only`, async () => {
      // Every stored file, before and after: the rejected delivery adds nothing to any study.
      const storedFiles = () =>
        listTree(stack.studiesDir)
          .map((file) => `${file} ${sha256(path.join(stack.studiesDir, file))}`)
          .filter((line) => line.includes('.dcm '));
      const before = storedFiles();
      const { status, body } = await upload(stack, entryFiles(entry));
      expect(status, JSON.stringify(body.findings)).toBe(expectedStatus(entry));
      expect(body).toMatchObject({ state: 'rejected', study: null, join: null });
      expect(storedFiles()).toEqual(before);
      const log = readFileSync(path.join(stack.rejectedDir, body.id, 'validation.log'), 'utf8');
      const lines = log.split('\n');
      for (const reason of entry.expected_reasons) {
        const { code, tag } = splitReason(reason);
        const line = lines.find((l) => l.includes(code) && (!tag || l.includes(formatTag(tag))));
        expect(line, `${reason} in validation.log:\n${log}`).toBeDefined();
      }
    });
  });
});

if (!corpusAvailable) describe('the three services, end to end over HTTP', () => it.skip(corpusSkipReason, () => undefined));
