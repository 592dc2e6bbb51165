import { Headers, ValidationReportSchema, type ValidationReport } from '@dsv/common';
import { callService, createServiceAgent, internalAuth, jsonBody, type RequestBody } from './service-call.ts';
import { stagedMultipart } from './staged-multipart.ts';
import { TransportChoice, type ServiceTarget } from './transport.ts';

export interface ValidatorClient {
  validate(upload: { studyId: string; correlationId: string; dir: string; files: readonly string[] }): Promise<ValidationReport>;
}

export function createValidatorClient(target: ServiceTarget): ValidatorClient {
  const { baseUrl, timeoutMs, internalToken } = target;
  const agent = createServiceAgent(baseUrl);
  const transport = new TransportChoice('validator', target);
  const url = new URL('/v1/validations', baseUrl).href;
  return {
    validate({ studyId, correlationId, dir, files }) {
      const headers = { [Headers.studyId]: studyId, [Headers.correlationId]: correlationId, ...internalAuth(internalToken) };
      const send = async (body: RequestBody) => (await callService('validator', url, { agent, headers, body }, ValidationReportSchema, timeoutMs)).body;
      return transport.send(
        () => send(jsonBody({ files })),
        async () => send(await stagedMultipart(dir, files)),
      );
    },
  };
}
