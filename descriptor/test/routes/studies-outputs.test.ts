import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newStudyId } from '@dsv/common';
import type { Bundle, ImagingStudy } from 'fhir/r4.js';
import request from 'supertest';
import { corpusAvailable, corpusPath } from '../../../test/support/corpus.ts';
import { instanceDicomJson, type DicomJsonDataset } from '../../src/domain/metadata/dicom-json.ts';
import { asUpload, describeRequest } from '../support/describe-request.ts';
import { createTestDescriptor, listTree, postStudy, type TestDescriptor } from '../support/descriptor-app.ts';
import { fhirR4Validator, schemaErrors } from '../support/fhir-schema.ts';
import { readerFor } from '../support/inspect-bytes.ts';

/** The bytes a BulkDataURI names, read from the study folder it is relative to. */
async function resolveBulkData(studyDir: string, uri: string): Promise<Buffer> {
  const [file, query] = uri.split('?') as [string, string | undefined];
  const bytes = await readFile(path.join(studyDir, file));
  const params = new URLSearchParams(query ?? '');
  const offset = Number(params.get('offset') ?? 0);
  return bytes.subarray(offset, params.has('length') ? offset + Number(params.get('length')) : undefined);
}

describe.skipIf(!corpusAvailable)('POST /v1/studies/:uid/stable writes metadata.dicom.json and fhir.json beside metadata.json', () => {
  let descriptor: TestDescriptor;
  // A descriptor each: two tests store the same study, which would join it rather than be stored anew.
  beforeEach(async () => {
    descriptor = await createTestDescriptor();
  });
  afterEach(() => descriptor.remove());

  /** Stores the files as one delivery, then makes their study stable, as the gateway does after a quiet while. */
  const store = async (relatives: string[]) => {
    const id = newStudyId();
    const files = asUpload(relatives.map(corpusPath));
    const response = await postStudy(descriptor.app, describeRequest(id, files), files).expect(201);
    const uid = response.body.study.StudyInstanceUID as string;
    const dir = path.join(descriptor.config.studiesDir, uid);
    expect(await listTree(dir)).not.toContain('metadata.dicom.json');
    expect(await listTree(dir)).not.toContain('fhir.json');
    await request(descriptor.app)
      .post(`/v1/studies/${uid}/stable`)
      .send({ correlationId: 'c', lastDeliveryId: id, errors: [], warnings: [] })
      .expect(200);
    const read = async (name: string): Promise<unknown> => JSON.parse(await readFile(path.join(dir, name), 'utf8'));
    return { id, dir, read };
  };

  describe('when a study of one file is stored, then stable', () => {
    it("then metadata.dicom.json is an array of its one data set, as the descriptor's parse gives it, pixel data referenced in original.dcm", async () => {
      const { dir, read } = await store(['valid/samples/CT_small.dcm']);
      const json = (await read('metadata.dicom.json')) as DicomJsonDataset[];
      expect(json).toEqual([instanceDicomJson(readerFor(corpusPath('valid/samples/CT_small.dcm')), 'original.dcm')]);
      const pixels = json[0]!['7FE00010']!;
      expect(pixels.BulkDataURI).toMatch(/^original\.dcm\?offset=\d+&length=32768$/);
      expect((await resolveBulkData(dir, pixels.BulkDataURI!)).length).toBe(128 * 128 * 2);
      expect(json[0]!['00100010']).toEqual({ vr: 'PN', Value: [{ Alphabetic: 'CompressedSamples^CT1' }] });
    });

    it('then fhir.json is a FHIR R4 transaction Bundle, valid against the R4 JSON schema, for that study', async () => {
      const { read } = await store(['valid/samples/CT_small.dcm']);
      const bundle = (await read('fhir.json')) as Bundle;
      const metadata = (await read('metadata.json')) as { study: { StudyInstanceUID: string } };
      const validate = fhirR4Validator();
      expect(validate(bundle), schemaErrors(validate.errors).join('\n')).toBe(true);
      const study = bundle.entry![1]!.resource as ImagingStudy;
      expect(study.identifier![0]).toEqual({ system: 'urn:dicom:uid', value: `urn:oid:${metadata.study.StudyInstanceUID}` });
    });
  });

  describe('when a study of several files is stored, then stable', () => {
    it("then metadata.dicom.json holds every instance in metadata.json's order, each pointing into its own original, and no spooled piece is left", async () => {
      const names = ['17196.dcm', '17106.dcm', '17166.dcm', '17136.dcm'];
      const { dir, read } = await store(names.map((name) => `valid/studies/pcir-ct-head/${name}`));
      const json = (await read('metadata.dicom.json')) as DicomJsonDataset[];
      const metadata = (await read('metadata.json')) as { instances: { SOPInstanceUID: string; path: string }[] };
      expect(json.map((instance) => instance['00080018']!.Value![0])).toEqual(
        metadata.instances.map((instance) => instance.SOPInstanceUID),
      );
      for (const [index, instance] of json.entries()) {
        const { path: stored } = metadata.instances[index]!;
        expect(instance['7FE00010']!.BulkDataURI).toMatch(new RegExp(`^${stored.replaceAll('.', '\\.')}\\?offset=\\d+&length=\\d+$`));
        expect(instance).toEqual(instanceDicomJson(readerFor(path.join(dir, stored)), stored));
      }
      expect((await listTree(dir)).filter((entry) => entry.endsWith('.json'))).toEqual([
        'fhir.json',
        'metadata.dicom.json',
        'metadata.json',
      ]);
      // One instance per line: a study of thousands stays greppable.
      expect((await readFile(path.join(dir, 'metadata.dicom.json'), 'utf8')).split('\n')).toHaveLength(names.length + 3);
    });
  });
});
