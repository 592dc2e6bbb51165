import {
  acceptId,
  DescribeBatchAnswerSchema,
  DescribeResultSchema,
  Headers,
  StableResultSchema,
  type DescribeRequest,
  type DescribeResult,
  type StableRequest,
  type StableResult,
} from '@dsv/common';
import { batchCalls } from './batch-calls.ts';
import {
  callService,
  createServiceAgent,
  fetchDocument,
  internalAuth,
  jsonBody,
  outsideContract,
  type RequestBody,
} from './service-call.ts';
import { stagedMultipart } from './staged-multipart.ts';
import { TransportChoice, type ServiceTarget } from './transport.ts';

/**
 * A study's instances as the descriptor answered them (its StudyInstances document, never parsed here: the
 * validator's study checks read it), and the last delivery they reach, from the answer's header.
 */
export interface HeldInstances {
  lastDeliveryId: string;
  document: Buffer;
}

export interface DescriptorClient {
  describe(request: DescribeRequest, upload: { correlationId: string; dir: string }): Promise<DescribeResult>;
  /** GET /v1/studies/<StudyInstanceUID>/instances: what the study-level checks read. */
  studyInstances(StudyInstanceUID: string, correlationId: string): Promise<HeldInstances>;
  /** POST /v1/studies/<StudyInstanceUID>/stable: the study had no delivery for stableAfterSeconds. */
  markStable(StudyInstanceUID: string, request: StableRequest): Promise<StableResult>;
}

interface BatchItem {
  correlationId: string;
  request: DescribeRequest;
}

/**
 * One route, `POST /v1/deliveries`: by reference, studies go as JSON in batches when several wait at
 * once; streamed, one call each, the request part (which names the delivery), then the files.
 */
export function createDescriptorClient(target: ServiceTarget): DescriptorClient {
  const { baseUrl, timeoutMs, internalToken } = target;
  const agent = target.agent ?? createServiceAgent(baseUrl);
  const transport = new TransportChoice('descriptor', target);
  const deliveriesUrl = new URL('/v1/deliveries', baseUrl).href;
  const batches = batchCalls<BatchItem, DescribeResult>(
    { service: 'descriptor', url: deliveriesUrl, agent, internalToken, timeoutMs },
    DescribeBatchAnswerSchema,
    (item) => item.request.files.length,
  );
  return {
    describe(request, { correlationId, dir }) {
      const headers = { [Headers.correlationId]: correlationId, ...internalAuth(internalToken) };
      const send = async (body: RequestBody) =>
        (await callService('descriptor', deliveriesUrl, { agent, headers, body }, DescribeResultSchema, timeoutMs)).body;
      return transport.send(
        // By reference the request is the whole item; its files carry the size and sha256 of staging.
        () => batches.submit({ correlationId, request }),
        // The request part goes first: the descriptor reads it before any file.
        async () =>
          send(
            await stagedMultipart(
              dir,
              request.files.map((f) => f.file),
              { request: JSON.stringify(request) },
            ),
          ),
      );
    },
    async studyInstances(StudyInstanceUID, correlationId) {
      const url = studyUrl(baseUrl, StudyInstanceUID, 'instances');
      const headers = { [Headers.correlationId]: correlationId, ...internalAuth(internalToken) };
      const answer = await fetchDocument('descriptor', url, { agent, headers }, timeoutMs);
      // A delivery id (a ULID) is plain: anything else is not the descriptor's answer.
      const lastDeliveryId = acceptId(answer.headers[Headers.lastDeliveryId]);
      if (!lastDeliveryId) throw outsideContract('descriptor');
      return { lastDeliveryId, document: answer.bytes };
    },
    async markStable(StudyInstanceUID, request) {
      const url = studyUrl(baseUrl, StudyInstanceUID, 'stable');
      const headers = { [Headers.correlationId]: request.correlationId, ...internalAuth(internalToken) };
      return (await callService('descriptor', url, { agent, headers, body: jsonBody(request) }, StableResultSchema, timeoutMs)).body;
    },
  };
}

/** A route under one study; the UID passed the grammar of PS3.5 §9.1 where it came in, and is escaped still. */
function studyUrl(baseUrl: string, StudyInstanceUID: string, route: string): string {
  return new URL(`/v1/studies/${encodeURIComponent(StudyInstanceUID)}/${route}`, baseUrl).href;
}
