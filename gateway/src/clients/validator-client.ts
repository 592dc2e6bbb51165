import { Headers, MAX_BATCH_STUDIES, ValidationBatchAnswerSchema, ValidationReportSchema, type ValidationReport } from '@dsv/common';
import { BATCH_FILES, batchSettled } from './batch-answer.ts';
import { Coalescer } from './coalescer.ts';
import { callService, createServiceAgent, internalAuth, jsonBody, type RequestBody } from './service-call.ts';
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
  const batchUrl = new URL('/v1/validations/batch', baseUrl).href;
  const batches = new Coalescer<BatchItem, ValidationReport>(
    async (studies) => {
      const { body } = await callService('validator', batchUrl, { agent, headers: internalAuth(internalToken), body: jsonBody({ studies }) }, ValidationBatchAnswerSchema, timeoutMs);
      return batchSettled('validator', body.results);
    },
    { inFlight: 2, maxItems: MAX_BATCH_STUDIES, weight: (item) => item.files.length, maxWeight: BATCH_FILES },
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
