import { DescribeBatchAnswerSchema, DescribeBatchRequestSchema } from '../../contracts/batch.ts';
import {
  DescribeRequestSchema,
  DescribeResultSchema,
  StableRequestSchema,
  StableResultSchema,
  StudyInstancesSchema,
} from '../../contracts/storage.ts';
import type { ApiDescription } from '../openapi.ts';
import { BrowseRoutes } from './browse-api.ts';

export const DescriptorApi: ApiDescription = {
  title: 'DICOM study validator: descriptor',
  description:
    'Joins deliveries to their DICOM studies on disk and keeps the catalogue. The /v1 routes are for the gateway; /studies is the browsing API.',
  auth: 'internalToken',
  routes: [
    {
      method: 'post',
      path: '/v1/studies/:id',
      summary: 'Store (or reject) one delivery: a DescribeRequest, then its files streamed, or by reference',
      body: [
        { contentType: 'multipart/form-data', description: 'The field "request" (a DescribeRequest), then the file parts "files"' },
        { contentType: 'application/json', schema: DescribeRequestSchema },
      ],
      responses: {
        201: { description: 'Joined to its study, or kept under rejected/', schema: DescribeResultSchema },
        200: { description: 'Described before (a retry): alreadyStored', schema: DescribeResultSchema },
      },
    },
    {
      method: 'post',
      path: '/v1/studies/batch',
      summary: 'Several deliveries by reference, each answered as its own call would be',
      body: [{ contentType: 'application/json', schema: DescribeBatchRequestSchema }],
      responses: { 200: { description: 'One result per delivery, in order', schema: DescribeBatchAnswerSchema } },
    },
    {
      method: 'get',
      path: '/v1/studies/:uid/instances',
      summary: "A study's instances, for the study-level checks",
      responses: { 200: { description: 'The instances', schema: StudyInstancesSchema } },
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
