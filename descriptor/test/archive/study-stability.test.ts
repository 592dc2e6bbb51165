import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newStudyId, StableResultSchema, StudyInstancesSchema, type Finding } from '@dsv/common';
import type { Bundle, ImagingStudy } from 'fhir/r4.js';
import request from 'supertest';
import { corpusPath } from '../../../test/support/corpus.ts';
import { corpusSuite } from '../../../test/support/corpus-suite.ts';
import { asUpload, describeRequest } from '../support/describe-request.ts';
import { createTestDescriptor, listTree, markStable, postStudy, type TestDescriptor } from '../support/descriptor-app.ts';
import { fhirR4Validator, schemaErrors } from '../support/fhir-schema.ts';
import { referenceValues } from '../support/reference-values.ts';
import { studyValidationLog } from '../../src/archive/study-documents.ts';

const HEAD = ['17106.dcm', '17136.dcm', '17166.dcm', '17196.dcm'].map((name) => `valid/studies/pcir-ct-head/${name}`);

/**
 * The gateway makes a study stable once no delivery joined it for a while: GET /v1/studies/<uid>/instances
 * (what the study-level checks read), then POST /v1/studies/<uid>/stable naming the last delivery it saw.
 */
corpusSuite('POST /v1/studies/:uid/stable', () => {
  const uid = referenceValues(HEAD[0]!)('StudyInstanceUID');
  const sopOf = (relative: string) => referenceValues(relative)('SOPInstanceUID');

  let descriptor: TestDescriptor;
  beforeEach(async () => {
    descriptor = await createTestDescriptor();
  });
  afterEach(() => descriptor.remove());

  const dirOf = () => path.join(descriptor.config.studiesDir, uid);
  const deliver = async (relatives: readonly string[]): Promise<string> => {
    const id = newStudyId();
    const files = asUpload(relatives.map(corpusPath));
    await postStudy(descriptor.app, describeRequest(id, files), files).expect(201);
    return id;
  };
  const stable = (lastDeliveryId: string, findings: { errors?: Finding[]; warnings?: Finding[] } = {}) =>
    request(descriptor.app)
      .post(`/v1/studies/${uid}/stable`)
      .send({ correlationId: 'c', lastDeliveryId, errors: findings.errors ?? [], warnings: findings.warnings ?? [] });
  const documents = async () => (await listTree(dirOf())).filter((entry) => !entry.endsWith('.dcm') && entry !== 'originals');
  const readJson = async (name: string) => JSON.parse(await readFile(path.join(dirOf(), name), 'utf8'));

  describe('when it names the last delivery', () => {
    it('then the study is stable: metadata.dicom.json (one entry per instance) and fhir.json are written, and state says so everywhere', async () => {
      await deliver(HEAD.slice(0, 1));
      const last = await deliver(HEAD.slice(1));
      expect(await documents()).toEqual(['metadata.json', 'validation.log']);

      const answer = await stable(last).expect(200);

      expect(StableResultSchema.parse(answer.body)).toEqual({
        StudyInstanceUID: uid,
        state: 'stable',
        numberOfSeries: 1,
        numberOfInstances: 4,
      });
      expect(await documents()).toEqual(['fhir.json', 'metadata.dicom.json', 'metadata.json', 'validation.log']);
      const metadata = await readJson('metadata.json');
      expect(metadata.state).toBe('stable');
      const dicomJson = (await readJson('metadata.dicom.json')) as Record<string, { Value?: unknown[] }>[];
      expect(dicomJson.map((instance) => instance['00080018']?.Value?.[0])).toEqual(
        metadata.instances.map((instance: { SOPInstanceUID: string }) => instance.SOPInstanceUID),
      );
      expect(new Set(dicomJson.map((instance) => instance['00080018']?.Value?.[0]))).toEqual(new Set(HEAD.map(sopOf)));
      const bundle = (await readJson('fhir.json')) as Bundle;
      const validate = fhirR4Validator();
      expect(validate(bundle), schemaErrors(validate.errors).join('\n')).toBe(true);
      expect(bundle.entry![1]!.resource as ImagingStudy).toMatchObject({ numberOfSeries: 1, numberOfInstances: 4 });
      expect(descriptor.catalogue.study(uid)).toMatchObject({ state: 'stable' });
      const listed = await request(descriptor.app).get('/studies?state=stable').expect(200);
      expect(listed.body.studies.map((study: { id: string }) => study.id)).toEqual([uid]);
      const log = await readFile(path.join(dirOf(), 'validation.log'), 'utf8');
      expect(log).toMatch(new RegExp(`^Study-level checks of ${uid.replaceAll('.', '\\.')}$`, 'm'));
      // Grown by appends, it reads as the log written whole from the catalogue (after a restart) does.
      expect(log).toBe(studyValidationLog(descriptor.catalogue, uid).text);
      expect(log.match(/^Study-level checks of /gm)).toHaveLength(1);
    });

    it('then the study-level findings it carries are written into validation.log', async () => {
      const last = await deliver(HEAD);
      const warning: Finding = {
        severity: 'warning',
        code: 'slice-spacing-irregular',
        message: 'Slice spacing varies within the series',
        files: ['originals/x.dcm'],
      };
      await stable(last, { warnings: [warning] }).expect(200);
      const log = await readFile(path.join(dirOf(), 'validation.log'), 'utf8');
      expect(log).toMatch(/^WARNING\s+slice-spacing-irregular\s.*Slice spacing varies within the series$/m);
      expect(log).toContain('Summary: 0 errors, 1 warning over the whole study');
    });

    it('then GET /v1/studies/:uid/instances, which the gateway read first, named that delivery (in the body and its header) and every instance by its place', async () => {
      await deliver(HEAD.slice(0, 2));
      const last = await deliver(HEAD.slice(2));
      const { body, headers } = await request(descriptor.app).get(`/v1/studies/${uid}/instances`).expect(200);
      const instances = StudyInstancesSchema.parse(body);
      expect(instances.lastDeliveryId).toBe(last);
      expect(headers['x-last-delivery-id']).toBe(last);
      expect(instances.instances.map((instance) => instance.file).sort()).toEqual(
        HEAD.map((relative) => `originals/${sopOf(relative)}.dcm`).sort(),
      );
    });
  });

  describe('when a delivery joined after the one it names', () => {
    it('then it answers receiving and writes nothing', async () => {
      const older = await deliver(HEAD.slice(0, 2));
      await deliver(HEAD.slice(2));
      const before = await readFile(path.join(dirOf(), 'metadata.json'), 'utf8');

      const answer = await stable(older).expect(200);

      expect(answer.body).toEqual({ StudyInstanceUID: uid, state: 'receiving', numberOfSeries: 1, numberOfInstances: 4 });
      expect(await documents()).toEqual(['metadata.json', 'validation.log']);
      expect(await readFile(path.join(dirOf(), 'metadata.json'), 'utf8')).toBe(before);
      expect(descriptor.catalogue.study(uid)).toMatchObject({ state: 'receiving', stableAt: null });
    });
  });

  describe('when a delivery joins a stable study', () => {
    it('then the study is receiving again, the stable call of the older delivery no longer holds, and that of the new one does', async () => {
      await deliver(HEAD.slice(0, 1));
      const second = await deliver(HEAD.slice(1, 3));
      await stable(second).expect(200);
      const dicomJsonBefore = await readJson('metadata.dicom.json');
      expect(dicomJsonBefore).toHaveLength(3);

      const late = await deliver(HEAD.slice(3));

      expect(descriptor.catalogue.study(uid)).toMatchObject({ state: 'receiving', lastDeliveryId: late });
      expect((await readJson('metadata.json')).state).toBe('receiving');
      const listed = await request(descriptor.app).get('/studies?state=receiving').expect(200);
      expect(listed.body.studies.map((study: { id: string }) => study.id)).toEqual([uid]);
      expect((await stable(second).expect(200)).body.state).toBe('receiving');
      expect(await readJson('metadata.dicom.json')).toEqual(dicomJsonBefore);

      expect((await stable(late).expect(200)).body).toMatchObject({ state: 'stable', numberOfInstances: 4 });
      expect(await readJson('metadata.dicom.json')).toHaveLength(4);
      expect((await readJson('fhir.json')).entry[1].resource).toMatchObject({ numberOfInstances: 4 });
    });
  });

  describe('when a stored file can no longer be read as DICOM', () => {
    it('then metadata.dicom.json still is a JSON array, of the instances that can', async () => {
      const last = await deliver(HEAD);
      const metadata = await readJson('metadata.json');
      // The first in metadata.json's order, the first entry the array would start with.
      await writeFile(path.join(dirOf(), metadata.instances[0].path), 'no longer DICOM');
      await stable(last).expect(200);
      const dicomJson = (await readJson('metadata.dicom.json')) as Record<string, { Value?: unknown[] }>[];
      expect(dicomJson.map((instance) => instance['00080018']?.Value?.[0])).toEqual(
        metadata.instances.slice(1).map((instance: { SOPInstanceUID: string }) => instance.SOPInstanceUID),
      );
    });
  });

  describe('when the request is wrong', () => {
    it('then an unknown study answers 404 STUDY_NOT_FOUND, a malformed UID 400 REQUEST_INVALID, a body off the contract 400', async () => {
      expect(
        (
          await request(descriptor.app)
            .post('/v1/studies/1.2.3.999/stable')
            .send({ correlationId: 'c', lastDeliveryId: newStudyId(), errors: [], warnings: [] })
            .expect(404)
        ).body.error.code,
      ).toBe('STUDY_NOT_FOUND');
      expect((await request(descriptor.app).get('/v1/studies/1.2.3.999/instances').expect(404)).body.error.code).toBe('STUDY_NOT_FOUND');
      expect((await markStable(descriptor.app, '1.02.3', newStudyId()).expect(400)).body.error.code).toBe('REQUEST_INVALID');
      const last = await deliver(HEAD.slice(0, 1));
      expect(
        (await request(descriptor.app).post(`/v1/studies/${uid}/stable`).send({ lastDeliveryId: last }).expect(400)).body.error.code,
      ).toBe('REQUEST_INVALID');
      expect(descriptor.catalogue.study(uid)?.state).toBe('receiving');
    });
  });
});
