import { DescribeBatchAnswerSchema, DescribeResultSchema, Headers, type DescribeRequest, type DescribeResult } from '@dsv/common';
import { batchCalls } from './batch-calls.ts';
import { callService, createServiceAgent, internalAuth, type RequestBody } from './service-call.ts';
import { stagedMultipart } from './staged-multipart.ts';
import { TransportChoice, type ServiceTarget } from './transport.ts';

export interface DescriptorClient {
  describe(request: DescribeRequest, upload: { correlationId: string; dir: string }): Promise<DescribeResult>;
}

interface BatchItem {
  correlationId: string;
  request: DescribeRequest;
}

/**
 * By reference, studies go in batches (`POST /v1/studies/batch`) when several wait at once; streamed,
 * one call each (`POST /v1/studies/<id>`, the request part, then the files).
 */
export function createDescriptorClient(target: ServiceTarget): DescriptorClient {
  const { baseUrl, timeoutMs, internalToken } = target;
  const agent = createServiceAgent(baseUrl);
  const transport = new TransportChoice('descriptor', target);
  const batches = batchCalls<BatchItem, DescribeResult>(
    { service: 'descriptor', url: new URL('/v1/studies/batch', baseUrl).href, agent, internalToken, timeoutMs },
    DescribeBatchAnswerSchema,
    (item) => item.request.files.length,
  );
  return {
    describe(request, { correlationId, dir }) {
      const url = new URL(`/v1/studies/${request.studyId}`, baseUrl).href;
      const headers = { [Headers.correlationId]: correlationId, ...internalAuth(internalToken) };
      const send = async (body: RequestBody) => (await callService('descriptor', url, { agent, headers, body }, DescribeResultSchema, timeoutMs)).body;
      return transport.send(
        // By reference the request is the whole item; its files carry the size and sha256 of staging.
        () => batches.submit({ correlationId, request }),
        // The request part goes first: the descriptor reads it before any file.
        async () => send(await stagedMultipart(dir, request.files.map((f) => f.file), { request: JSON.stringify(request) })),
      );
    },
  };
}
