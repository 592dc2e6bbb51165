import { Headers, ValidationReportSchema, type ValidationReport } from '@dsv/common';
import { callService, createServiceAgent, internalAuth } from './service-call.ts';
import { stagedMultipart } from './staged-multipart.ts';

export interface ValidatorClient {
  validate(upload: { studyId: string; correlationId: string; dir: string; files: readonly string[] }): Promise<ValidationReport>;
}

export function createValidatorClient(baseUrl: string, timeoutMs: number, internalToken = ''): ValidatorClient {
  const agent = createServiceAgent(baseUrl);
  return {
    async validate({ studyId, correlationId, dir, files }) {
      const { body } = await callService(
        'validator',
        new URL('/v1/validations', baseUrl).href,
        {
          agent,
          headers: { [Headers.studyId]: studyId, [Headers.correlationId]: correlationId, ...internalAuth(internalToken) },
          body: await stagedMultipart(dir, files),
        },
        ValidationReportSchema,
        timeoutMs,
      );
      return body;
    },
  };
}
