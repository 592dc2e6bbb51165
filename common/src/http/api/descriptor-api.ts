import { z } from 'zod';
import { DescribeBatchAnswerSchema, DescribeBatchRequestSchema } from '../../contracts/batch.ts';
import { DescribeResultSchema, StableRequestSchema, StableResultSchema, StudyInstancesSchema } from '../../contracts/storage.ts';
import { JsonOrMultipartRefused, type ApiDescription } from '../openapi.ts';
import { BrowseRoutes } from './browse-api.ts';

export const DescriptorApi: ApiDescription = {
  title: 'DICOM study validator: descriptor',
  description:
    'Joins deliveries to their DICOM studies on disk and keeps the catalogue. The /v1 routes are for the gateway; /studies is the browsing API.',
  auth: 'internalToken',
  routes: [
    {
      method: 'post',
      path: '/v1/deliveries',
      summary:
        'Store (or reject) deliveries: several by reference in the shared staging folder (JSON), or one with its files streamed (multipart)',
      body: [
        { contentType: 'application/json', schema: DescribeBatchRequestSchema },
        {
          contentType: 'multipart/form-data',
          description: 'One delivery: the field "request" (a DescribeRequest, which names it), then the file parts "files"',
        },
      ],
      responses: {
        200: {
          description: 'JSON: one result per delivery, in order; multipart: described before (a retry), alreadyStored',
          schema: z.union([DescribeBatchAnswerSchema, DescribeResultSchema]),
        },
        201: { description: 'multipart: joined to its study, or kept under rejected/', schema: DescribeResultSchema },
        415: JsonOrMultipartRefused,
      },
    },
    {
      method: 'get',
      path: '/v1/studies/:uid/instances',
      summary: "A study's instances, for the study-level checks",
      responses: {
        200: {
          description: 'The instances; the header x-last-delivery-id repeats lastDeliveryId (the gateway passes the body on unread)',
          schema: StudyInstancesSchema,
        },
      },
    },
    {
      method: 'post',
      path: '/v1/studies/:uid/stable',
      summary: 'The study had no delivery for stableAfterSeconds: write its study-level findings and documents',
      body: [{ contentType: 'application/json', schema: StableRequestSchema }],
      responses: { 200: { description: 'stable, or receiving when a delivery joined meanwhile', schema: StableResultSchema } },
    },
    ...BrowseRoutes,
  ],
};
