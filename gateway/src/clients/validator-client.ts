import { Headers, ValidationBatchAnswerSchema, ValidationReportSchema, type ValidationReport } from '@dsv/common';
import { batchCalls } from './batch-calls.ts';
import { callService, createServiceAgent, internalAuth, type RequestBody } from './service-call.ts';
import { stagedMultipart } from './staged-multipart.ts';
import { TransportChoice, type ServiceTarget } from './transport.ts';

export interface ValidatorClient {
  validate(upload: { studyId: string; correlationId: string; dir: string; files: readonly string[] }): Promise<ValidationReport>;
}

interface BatchItem {
  studyId: string;
  correlationId: string;
  files: string[];
}

/**
 * By reference, studies go in batches (`POST /v1/validations/batch`) when several wait at once; streamed,
 * one call each (`POST /v1/validations`, the files as multipart parts).
 */
export function createValidatorClient(target: ServiceTarget): ValidatorClient {
  const { baseUrl, timeoutMs, internalToken } = target;
  const agent = createServiceAgent(baseUrl);
  const transport = new TransportChoice('validator', target);
  const url = new URL('/v1/validations', baseUrl).href;
  const batches = batchCalls<BatchItem, ValidationReport>(
    { service: 'validator', url: new URL('/v1/validations/batch', baseUrl).href, agent, internalToken, timeoutMs },
    ValidationBatchAnswerSchema,
    (item) => item.files.length,
  );
  return {
    validate({ studyId, correlationId, dir, files }) {
      const headers = { [Headers.studyId]: studyId, [Headers.correlationId]: correlationId, ...internalAuth(internalToken) };
      const send = async (body: RequestBody) => (await callService('validator', url, { agent, headers, body }, ValidationReportSchema, timeoutMs)).body;
      return transport.send(
        () => batches.submit({ studyId, correlationId, files: [...files] }),
        async () => send(await stagedMultipart(dir, files)),
      );
    },
  };
}
