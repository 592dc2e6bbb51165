import { z } from 'zod';
import { FindingSchema } from '../../contracts/finding.ts';
import { LifecycleEventSchema } from '../../contracts/lifecycle-event.ts';
import { JoinSchema } from '../../contracts/storage.ts';
import { ErrorBodySchema, type ApiDescription } from '../openapi.ts';
import { BrowseRoutes } from './browse-api.ts';

const DeliveryStates = ['received', 'validating', 'describing', 'stored', 'rejected', 'failed'] as const;

const OutcomeSchema = z.object({
  httpStatus: z.number().int(),
  code: z.string(),
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});

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

/** GET /status/<id> when <id> names a DICOM association (the gateway's C-STORE receiver). */
export const AssociationStatusSchema = z.looseObject({
  id: z.string(),
  kind: z.literal('association'),
  state: z.enum(['open', 'released', 'aborted']),
  peer: z.object({ callingAeTitle: z.string(), calledAeTitle: z.string(), address: z.string() }),
  counts: z.object({ instances: z.number().int(), stored: z.number().int(), warned: z.number().int(), failed: z.number().int() }),
  instances: z.array(
    z.looseObject({
      SOPInstanceUID: z.string(),
      deliveryId: z.string().nullable(),
      status: z.string(),
      category: z.enum(['success', 'warning', 'failure']),
      code: z.string(),
      statusUrl: z.string().nullable(),
    }),
  ),
  studies: z.array(z.object({ StudyInstanceUID: z.string(), url: z.string() })),
  /** association.accepted, then association.released or .aborted once it has ended. */
  events: z.array(LifecycleEventSchema),
  statusUrl: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  endedAt: z.string().nullable(),
});

export const StatusPageSchema = z.object({
  uploads: z.array(
    z.looseObject({ id: z.string(), state: z.enum(DeliveryStates), statusUrl: z.string(), outcome: OutcomeSchema.nullable() }),
  ),
  nextCursor: z.string().nullable(),
});

export const EventFeedSchema = z.object({
  events: z.array(z.intersection(z.object({ seq: z.number().int().positive() }), LifecycleEventSchema)),
  last: z.number().int().nonnegative(),
  done: z.boolean(),
});

/** ?wait=true ends with the outcome's status: the full status, or the error envelope of a refused request. */
const finalAnswer = (description: string) => ({ description, schema: z.union([DeliveryStatusSchema, ErrorBodySchema]) });
const waitQuery = z.object({
  wait: z
    .enum(['true', 'false'])
    .optional()
    .describe('true: answer when the delivery has ended, with its outcome; the delivery is accepted by that answer, not before'),
});

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
    {
      method: 'get',
      path: '/status',
      summary: 'The deliveries, oldest first, a page at a time (state, study, limit, cursor)',
      responses: { 200: { description: 'A page', schema: StatusPageSchema } },
    },
    {
      method: 'get',
      path: '/status/:id',
      summary: "A delivery's status, or a DICOM association's (kept retention.days once stored or rejected)",
      responses: {
        200: { description: 'The status', schema: z.union([DeliveryStatusSchema, AssociationStatusSchema]) },
        404: { description: 'STUDY_NOT_FOUND: no such delivery or association, or past retention.days', schema: ErrorBodySchema },
      },
    },
    {
      method: 'get',
      path: '/events',
      summary:
        'The lifecycle events of every delivery and DICOM association, as a durable feed (since, limit); events older than retention.days leave it with their deliveries',
      responses: { 200: { description: 'A page of the feed', schema: EventFeedSchema } },
    },
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
