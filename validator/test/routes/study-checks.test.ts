import { createLogger, EventBus, StudyChecksResultSchema, type InstanceSummary, type StudyInstances } from '@dsv/common';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import type { ValidatorConfig } from '../../src/config.ts';
import { projectConfig } from '../support/inspect.ts';

function build(config: ValidatorConfig = projectConfig()) {
  return createApp({ config, logger: createLogger('validator', 'silent'), events: new EventBus() });
}

/** One CT slice of series 1.2.3.1 in study 1.2.3, as the descriptor lists a stored instance. */
function instance(number: number, overrides: Partial<InstanceSummary> = {}): InstanceSummary {
  return {
    file: `000${number}.dcm`,
    sizeBytes: 1000,
    readable: true,
    SOPInstanceUID: `1.2.3.1.${number}`,
    StudyInstanceUID: '1.2.3',
    SeriesInstanceUID: '1.2.3.1',
    Modality: 'CT',
    PatientID: 'P1',
    InstanceNumber: number,
    ...overrides,
  };
}

const post = (app: ReturnType<typeof build>, body: unknown) =>
  request(app).post('/v1/study-checks').set('content-type', 'application/json').send(JSON.stringify(body));

describe('POST /v1/study-checks', () => {
  describe('when the study is whole and consistent', () => {
    it('then 200 with no finding', async () => {
      const res = await post(build(), { instances: [instance(1), instance(2), instance(3)] }).expect(200);
      expect(StudyChecksResultSchema.parse(res.body)).toEqual({ errors: [], warnings: [] });
    });

    it("then the descriptor's StudyInstances document, as the gateway passes it on, is such a request", async () => {
      const held: StudyInstances = {
        StudyInstanceUID: '1.2.3',
        lastDeliveryId: '01JD0000000000000000000000',
        instances: [instance(1), instance(3)],
      };
      const res = await post(build(), held).expect(200);
      expect(res.body.warnings.map((f: { code: string }) => f.code)).toEqual(['instance-number-gap']);
    });
  });

  describe('when deliveries of the study disagree', () => {
    it('then another patient is an error and a gap in a series a warning, naming the files', async () => {
      const res = await post(build(), { instances: [instance(1), instance(2, { PatientID: 'P2' }), instance(4)] }).expect(200);
      expect(res.body.errors).toEqual([
        expect.objectContaining({ code: 'inconsistent-patient', severity: 'error', files: ['0001.dcm', '0002.dcm', '0004.dcm'] }),
      ]);
      expect(res.body.warnings.map((f: { code: string }) => f.code)).toEqual(['instance-number-gap']);
    });

    it("then the config's severities apply, as in a delivery's report", async () => {
      const config = {
        ...projectConfig(),
        severity: { 'inconsistent-patient': 'warning', 'instance-number-gap': 'error' },
      } as ValidatorConfig;
      const res = await post(build(config), { instances: [instance(1), instance(2, { PatientID: 'P2' }), instance(4)] }).expect(200);
      expect(res.body.errors.map((f: { code: string; severity: string }) => [f.code, f.severity])).toEqual([
        ['instance-number-gap', 'error'],
      ]);
      expect(res.body.warnings.map((f: { code: string; severity: string }) => [f.code, f.severity])).toEqual([
        ['inconsistent-patient', 'warning'],
      ]);
    });
  });

  describe('when the body is not a list of instances', () => {
    it('then 400 REQUEST_INVALID for a missing list, a malformed instance or an unknown key', async () => {
      const app = build();
      for (const body of [{}, { instances: [{ file: '0001.dcm' }] }, { instances: [], studyId: 'x' }]) {
        const res = await post(app, body).expect(400);
        expect(res.body.error.code).toBe('REQUEST_INVALID');
      }
    });

    it('then a body that is not JSON answers 415 UNSUPPORTED_MEDIA_TYPE', async () => {
      const res = await request(build()).post('/v1/study-checks').set('content-type', 'text/plain').send('instances').expect(415);
      expect(res.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    });
  });
});
