import { Headers, ValidationReportSchema, type ValidationReport } from '@dsv/common';
import { callService, internalAuth } from './service-call.ts';
import { stagedForm } from './staged-form.ts';

export interface ValidatorClient {
  validate(upload: { studyId: string; correlationId: string; dir: string; files: readonly string[] }): Promise<ValidationReport>;
}

export function createValidatorClient(baseUrl: string, timeoutMs: number, internalToken = ''): ValidatorClient {
  return {
    async validate({ studyId, correlationId, dir, files }) {
      const { body } = await callService(
        'validator',
        new URL('/v1/validations', baseUrl).href,
        {
          method: 'POST',
          headers: { [Headers.studyId]: studyId, [Headers.correlationId]: correlationId, ...internalAuth(internalToken) },
          body: await stagedForm(dir, files),
        },
        ValidationReportSchema,
        timeoutMs,
      );
      return body;
    },
  };
}
