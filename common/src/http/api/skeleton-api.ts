import { z } from 'zod';
import { ServiceNames } from '../../events/event-catalog.ts';
import type { ApiRoute } from '../openapi.ts';

export const HealthSchema = z.object({
  status: z.literal('ok'),
  service: z.enum(ServiceNames),
  version: z.string(),
  uptimeSeconds: z.number().int().nonnegative(),
});
export const ReadinessSchema = z.object({ service: z.enum(ServiceNames), ready: z.boolean(), checks: z.record(z.string(), z.unknown()) });

/** The routes createServiceApp gives every service. */
export const SkeletonRoutes: readonly ApiRoute[] = [
  {
    method: 'get',
    path: '/health',
    summary: 'The process answers',
    open: true,
    responses: { 200: { description: 'Alive', schema: HealthSchema } },
  },
  {
    method: 'get',
    path: '/ready',
    summary: 'The service can take work (the gateway: both siblings answer)',
    open: true,
    responses: {
      200: { description: 'Ready', schema: ReadinessSchema },
      503: { description: 'Not ready: the checks say why', schema: ReadinessSchema },
    },
  },
  {
    method: 'get',
    path: '/metrics',
    summary:
      'Prometheus metrics: events, stage durations, requests, work counts (flushes, commits, internal requests, log lines), pipeline load, database and folder sizes, process',
    responses: { 200: { description: 'Prometheus text format 0.0.4', contentType: 'text/plain' } },
  },
  {
    method: 'get',
    path: '/openapi.json',
    summary: 'This document',
    responses: { 200: { description: 'OpenAPI 3.1', schema: z.looseObject({ openapi: z.literal('3.1.0') }) } },
  },
];
