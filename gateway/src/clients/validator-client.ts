import {
  Headers,
  StudyChecksResultSchema,
  ValidationBatchAnswerSchema,
  ValidationReportSchema,
  type StudyChecksResult,
  type ValidationReport,
} from '@dsv/common';
import { batchCalls } from './batch-calls.ts';
import { callService, createServiceAgent, internalAuth, jsonBytesBody, type RequestBody } from './service-call.ts';
import { stagedMultipart } from './staged-multipart.ts';
import { TransportChoice, type ServiceTarget } from './transport.ts';

export interface ValidatorClient {
  validate(upload: { studyId: string; correlationId: string; dir: string; files: readonly string[] }): Promise<ValidationReport>;
  /**
   * POST /v1/study-checks: the checks that need the whole DICOM study, run when it goes stable, over the
   * descriptor's StudyInstances document, sent as it came (a StudyChecksRequest).
   */
  studyChecks(instances: Buffer, correlationId: string): Promise<StudyChecksResult>;
}

interface BatchItem {
  studyId: string;
  correlationId: string;
  files: string[];
}

/**
 * One route, `POST /v1/validations`: by reference, studies go as JSON in batches when several wait at
 * once; streamed, one call each, the files as multipart parts.
 */
export function createValidatorClient(target: ServiceTarget): ValidatorClient {
  const { baseUrl, timeoutMs, internalToken } = target;
  const agent = target.agent ?? createServiceAgent(baseUrl);
  const transport = new TransportChoice('validator', target);
  const validationsUrl = new URL('/v1/validations', baseUrl).href;
  const studyChecksUrl = new URL('/v1/study-checks', baseUrl).href;
  const batches = batchCalls<BatchItem, ValidationReport>(
    { service: 'validator', url: validationsUrl, agent, internalToken, timeoutMs },
    ValidationBatchAnswerSchema,
    (item) => item.files.length,
  );
  return {
    validate({ studyId, correlationId, dir, files }) {
      const headers = { [Headers.studyId]: studyId, [Headers.correlationId]: correlationId, ...internalAuth(internalToken) };
      const send = async (body: RequestBody) =>
        (await callService('validator', validationsUrl, { agent, headers, body }, ValidationReportSchema, timeoutMs)).body;
      return transport.send(
        () => batches.submit({ studyId, correlationId, files: [...files] }),
        async () => send(await stagedMultipart(dir, files)),
      );
    },
    async studyChecks(instances, correlationId) {
      const headers = { [Headers.correlationId]: correlationId, ...internalAuth(internalToken) };
      const body = jsonBytesBody(instances);
      return (await callService('validator', studyChecksUrl, { agent, headers, body }, StudyChecksResultSchema, timeoutMs)).body;
    },
  };
}
