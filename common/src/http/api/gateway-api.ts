import { z } from 'zod';
import { FindingSchema } from '../../contracts/finding.ts';
import { LifecycleEventSchema } from '../../contracts/lifecycle-event.ts';
import { JoinSchema } from '../../contracts/storage.ts';
import { ErrorBodySchema, type ApiDescription } from '../openapi.ts';
import { BrowseRoutes } from './browse-api.ts';

const DeliveryStates = ['received', 'validating', 'describing', 'stored', 'rejected', 'failed'] as const;

const OutcomeSchema = z.object({ httpStatus: z.number().int(), code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() });

/** The answer to a delivery just taken on: where to poll. */
export const TakenSchema = z.object({ id: z.string(), state: z.enum(DeliveryStates), statusUrl: z.string() });

/** GET /status/<id>, and the final answer of ?wait=true. */
export const DeliveryStatusSchema = z.looseObject({
  id: z.string(),
  state: z.enum(DeliveryStates),
  outcome: OutcomeSchema.nullable(),
  upload: z.object({ files: z.array(z.looseObject({})), bytes: z.number().int().nonnegative() }),
  contents: z.looseObject({ StudyInstanceUID: z.string().nullable() }).nullable(),
  study: z.looseObject({ StudyInstanceUID: z.string(), state: z.string() }).nullable(),
  join: JoinSchema.nullable(),
  findings: z.object({ errors: z.number().int(), warnings: z.number().int(), firstErrors: z.array(FindingSchema) }),
  events: z.array(LifecycleEventSchema),
  statusUrl: z.string(),
  correlationId: z.string(),
  attempts: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const StatusPageSchema = z.object({
  uploads: z.array(z.looseObject({ id: z.string(), state: z.enum(DeliveryStates), statusUrl: z.string(), outcome: OutcomeSchema.nullable() })),
  nextCursor: z.string().nullable(),
});

export const EventFeedSchema = z.object({
  events: z.array(z.intersection(z.object({ seq: z.number().int().positive() }), LifecycleEventSchema)),
  last: z.number().int().nonnegative(),
  done: z.boolean(),
});

/** ?wait=true ends with the outcome's status: the full status, or the error envelope of a refused request. */
const finalAnswer = (description: string) => ({ description, schema: z.union([DeliveryStatusSchema, ErrorBodySchema]) });
const waitQuery = z.object({ wait: z.enum(['true', 'false']).optional().describe('true: answer when the delivery has ended, with its outcome') });

export const GatewayApi: ApiDescription = {
  title: 'DICOM study validator: gateway',
  description: 'Takes deliveries of DICOM files, has them validated and stored, and tells where each one stands.',
  auth: 'apiKey',
  routes: [
    {
      method: 'post',
      path: '/upload',
      summary: 'One delivery: its files join the DICOM study they name',
      query: waitQuery,
      body: [{ contentType: 'multipart/form-data', description: 'DICOM files in the field "files"' }],
      responses: {
        202: { description: 'On disk; processing in the background (Location: the status)', schema: TakenSchema },
        201: { description: '?wait=true: stored', schema: DeliveryStatusSchema },
        400: finalAnswer('?wait=true: not DICOM or damaged; or a malformed request'),
        409: finalAnswer('?wait=true: the study holds these instances with other bytes, or another patient'),
        422: finalAnswer('?wait=true: invalid (the findings say why), kept under rejected/'),
        503: finalAnswer('?wait=true: a sibling could not be reached; the files are kept for a retry'),
      },
    },
    { method: 'get', path: '/status', summary: 'The deliveries, oldest first, a page at a time (state, study, limit, cursor)', responses: { 200: { description: 'A page', schema: StatusPageSchema } } },
    { method: 'get', path: '/status/:id', summary: "A delivery's status", responses: { 200: { description: 'The status', schema: DeliveryStatusSchema } } },
    { method: 'get', path: '/events', summary: 'The lifecycle events of every delivery, as a durable feed (since, limit)', responses: { 200: { description: 'A page of the feed', schema: EventFeedSchema } } },
    {
      method: 'post',
      path: '/studies/:id/retry',
      summary: 'Run a failed delivery again from its staged files',
      query: waitQuery,
      responses: {
        202: { description: 'Running again', schema: TakenSchema },
        409: { description: 'STUDY_NOT_RETRYABLE: not failed, running already, or its files are gone', schema: ErrorBodySchema },
      },
    },
    ...BrowseRoutes,
  ],
};
