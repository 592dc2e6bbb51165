import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DescribeResultSchema, newStudyId } from '@dsv/common';
import request from 'supertest';
import { corpusAvailable, entryFiles, loadManifest } from '../../../test/support/corpus.ts';
import { dcmdumpValues } from '../../../test/support/dcmdump-reference.ts';
import { asUpload, describeRequest, invalidReport } from '../support/describe-request.ts';
import { createTestDescriptor, postStudy, type TestDescriptor } from '../support/descriptor-app.ts';
import { fhirR4Validator, schemaErrors } from '../support/fhir-schema.ts';

/** Every valid upload of the corpus (all transfer syntaxes, multi-frame, several series) is stored whole. */
const manifest = loadManifest();
const validEntries = manifest.filter((entry) => entry.expected === 'valid');
const invalidEntries = manifest.filter((entry) => entry.expected === 'invalid');

describe.skipIf(!corpusAvailable)('POST /v1/deliveries (streamed) with every valid upload of the corpus', () => {
  const validateFhir = fhirR4Validator();
  let descriptor: TestDescriptor;
  // A descriptor each: some entries are one data set in several encodings (MR_small*), sharing their UIDs,
  // which a shared archive would keep once.
  beforeEach(async () => {
    descriptor = await createTestDescriptor();
  });
  afterEach(() => descriptor.remove());

  it.each(validEntries.map((entry) => [entry.path, entry] as const))(
    'when %s is posted, then every file is stored byte-identical and described, and once stable in metadata.dicom.json and a valid fhir.json too',
    async (_path, entry) => {
      const id = newStudyId();
      const files = asUpload(entryFiles(entry));
      const response = await postStudy(descriptor.app, describeRequest(id, files), files);

      expect(response.status).toBe(201);
      const result = DescribeResultSchema.parse(response.body);
      const uid = dcmdumpValues(files[0]!.source)?.get('StudyInstanceUID');
      expect(uid).toBeDefined();
      expect(result.study).toMatchObject({ StudyInstanceUID: uid, numberOfInstances: files.length });
      expect(result.join).toEqual({ added: files.length, duplicates: [], reencoded: [] });
      const dir = path.join(descriptor.config.studiesDir, uid!);
      await request(descriptor.app)
        .post(`/v1/studies/${uid}/stable`)
        .send({ correlationId: 'c', lastDeliveryId: id, errors: [], warnings: [] })
        .expect(200);
      const metadata = JSON.parse(await readFile(path.join(dir, 'metadata.json'), 'utf8'));
      expect(metadata.summary.numberOfInstances).toBe(files.length);
      expect(JSON.stringify(metadata)).not.toMatch(/"undefined"|NaN/);
      const dicomJson = JSON.parse(await readFile(path.join(dir, 'metadata.dicom.json'), 'utf8')) as Record<
        string,
        { Value?: unknown[] }
      >[];
      expect(dicomJson.map((instance) => instance['00080018']?.Value?.[0])).toEqual(
        metadata.instances.map((instance: { SOPInstanceUID: string }) => instance.SOPInstanceUID),
      );
      const fhir = JSON.parse(await readFile(path.join(dir, 'fhir.json'), 'utf8'));
      expect(validateFhir(fhir), schemaErrors(validateFhir.errors).join('\n')).toBe(true);
      for (const [index, original] of result.files.originals.entries()) {
        const stored = path.join(dir, files.length === 1 ? 'original.dcm' : `originals/${original.SOPInstanceUID}.dcm`);
        const expected = createHash('sha256')
          .update(await readFile(files[index]!.source))
          .digest('hex');
        expect(
          createHash('sha256')
            .update(await readFile(stored))
            .digest('hex'),
        ).toBe(expected);
      }
    },
  );
});

describe.skipIf(!corpusAvailable)('POST /v1/deliveries (streamed) with every invalid upload of the corpus, for rejection', () => {
  let descriptor: TestDescriptor;
  beforeAll(async () => {
    descriptor = await createTestDescriptor();
  });
  afterAll(() => descriptor.remove());

  it.each(invalidEntries.map((entry) => [entry.path, entry] as const))(
    'when %s is posted, then every file is kept under its stored name with the log',
    async (_path, entry) => {
      const id = newStudyId();
      const files = asUpload(entryFiles(entry));
      const findings = entry.expected_reasons.map((reason) => ({
        severity: 'error' as const,
        code: reason.split(':')[0]!,
        message: reason,
        file: '0001.dcm',
      }));
      const response = await postStudy(descriptor.app, describeRequest(id, files, invalidReport(id, findings)), files);

      expect(response.status).toBe(201);
      const dir = path.join(descriptor.config.rejectedDir, id);
      for (const { file, source } of files) {
        expect((await readFile(path.join(dir, 'files', file))).equals(await readFile(source))).toBe(true);
      }
      const log = await readFile(path.join(dir, 'validation.log'), 'utf8');
      for (const finding of findings) expect(log).toContain(finding.code);
    },
  );
});
