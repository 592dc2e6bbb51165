import { DescribeResultSchema, Headers, type DescribeRequest, type DescribeResult } from '@dsv/common';
import { callService, internalAuth } from './service-call.ts';
import { stagedForm } from './staged-form.ts';

export interface DescriptorClient {
  describe(request: DescribeRequest, upload: { correlationId: string; dir: string }): Promise<DescribeResult>;
}

export function createDescriptorClient(baseUrl: string, timeoutMs: number, internalToken = ''): DescriptorClient {
  return {
    async describe(request, { correlationId, dir }) {
      const { body } = await callService(
        'descriptor',
        new URL(`/v1/studies/${request.studyId}`, baseUrl).href,
        {
          method: 'POST',
          headers: { [Headers.correlationId]: correlationId, ...internalAuth(internalToken) },
          // The request part goes first: the descriptor reads it before any file.
          body: await stagedForm(dir, request.files.map((f) => f.file), { request: JSON.stringify(request) }),
        },
        DescribeResultSchema,
        timeoutMs,
      );
      return body;
    },
  };
}
