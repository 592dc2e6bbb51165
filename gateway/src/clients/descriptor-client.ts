import { DescribeResultSchema, Headers, type DescribeRequest, type DescribeResult } from '@dsv/common';
import { callService, createServiceAgent, internalAuth } from './service-call.ts';
import { stagedMultipart } from './staged-multipart.ts';

export interface DescriptorClient {
  describe(request: DescribeRequest, upload: { correlationId: string; dir: string }): Promise<DescribeResult>;
}

export function createDescriptorClient(baseUrl: string, timeoutMs: number, internalToken = ''): DescriptorClient {
  const agent = createServiceAgent(baseUrl);
  return {
    async describe(request, { correlationId, dir }) {
      const { body } = await callService(
        'descriptor',
        new URL(`/v1/studies/${request.studyId}`, baseUrl).href,
        {
          agent,
          headers: { [Headers.correlationId]: correlationId, ...internalAuth(internalToken) },
          // The request part goes first: the descriptor reads it before any file.
          body: await stagedMultipart(dir, request.files.map((f) => f.file), { request: JSON.stringify(request) }),
        },
        DescribeResultSchema,
        timeoutMs,
      );
      return body;
    },
  };
}
