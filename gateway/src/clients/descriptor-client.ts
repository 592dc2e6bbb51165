import { DescribeResultSchema, Headers, type DescribeRequest, type DescribeResult } from '@dsv/common';
import { callService, createServiceAgent, internalAuth, jsonBody, type RequestBody } from './service-call.ts';
import { stagedMultipart } from './staged-multipart.ts';
import { TransportChoice, type ServiceTarget } from './transport.ts';

export interface DescriptorClient {
  describe(request: DescribeRequest, upload: { correlationId: string; dir: string }): Promise<DescribeResult>;
}

export function createDescriptorClient(target: ServiceTarget): DescriptorClient {
  const { baseUrl, timeoutMs, internalToken } = target;
  const agent = createServiceAgent(baseUrl);
  const transport = new TransportChoice('descriptor', target);
  return {
    describe(request, { correlationId, dir }) {
      const url = new URL(`/v1/studies/${request.studyId}`, baseUrl).href;
      const headers = { [Headers.correlationId]: correlationId, ...internalAuth(internalToken) };
      const send = async (body: RequestBody) => (await callService('descriptor', url, { agent, headers, body }, DescribeResultSchema, timeoutMs)).body;
      return transport.send(
        // By reference the request is the whole body; its files carry the size and sha256 of staging.
        () => send(jsonBody(request)),
        // The request part goes first: the descriptor reads it before any file.
        async () => send(await stagedMultipart(dir, request.files.map((f) => f.file), { request: JSON.stringify(request) })),
      );
    },
  };
}
