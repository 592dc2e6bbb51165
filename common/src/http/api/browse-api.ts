import { z } from 'zod';
import type { ApiRoute } from '../openapi.ts';

/** A study (or a rejected delivery) as GET /studies lists it; the summary's keys are the catalogue's. */
export const ListedStudySchema = z.looseObject({
  id: z.string(),
  state: z.enum(['receiving', 'stable', 'rejected']),
  createdAt: z.string(),
  updatedAt: z.string(),
  summary: z.record(z.string(), z.unknown()),
  links: z.object({ self: z.string(), metadata: z.string().nullable(), validation: z.string() }),
});

export const StudyPageSchema = z.object({ studies: z.array(ListedStudySchema), nextCursor: z.string().nullable() });

export const StudyDetailSchema = ListedStudySchema.extend({
  paths: z.object({ directory: z.string(), originals: z.array(z.string()), metadata: z.string().nullable(), validationLog: z.string() }),
  files: z.array(z.looseObject({})),
});

const key = 'a StudyInstanceUID, or the id of a delivery';

/** Reading what is stored: the descriptor serves these, the gateway forwards them as they are. */
export const BrowseRoutes: readonly ApiRoute[] = [
  {
    method: 'get',
    path: '/studies',
    summary: 'A page of DICOM studies, newest first, filtered (state=rejected: rejected deliveries)',
    responses: { 200: { description: 'A page', schema: StudyPageSchema } },
  },
  {
    method: 'get',
    path: '/studies/:key',
    summary: `One study (${key}): summary, paths and files`,
    responses: { 200: { description: 'The study', schema: StudyDetailSchema } },
  },
  {
    method: 'get',
    path: '/studies/:key/metadata',
    summary: "The study's metadata.json",
    responses: { 200: { description: 'metadata.json as stored', schema: z.record(z.string(), z.unknown()) } },
  },
  {
    method: 'get',
    path: '/studies/:key/validation',
    summary: "The study's validation.log",
    responses: { 200: { description: 'validation.log as stored', contentType: 'text/plain' } },
  },
  {
    method: 'get',
    path: '/studies/:key/files/:file',
    summary: 'One original file, by SOP Instance UID or stored name (Range supported)',
    responses: {
      200: { description: 'The file', contentType: 'application/dicom' },
      206: { description: 'The range asked for', contentType: 'application/dicom' },
    },
  },
];
