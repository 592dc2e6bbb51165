import { z } from 'zod';
import { EventTypes, ServiceNames, type LifecycleEvent } from '../events/event-catalog.ts';

/** Events cross services inside response bodies; the receiver checks their envelope. */
export const LifecycleEventSchema = z.object({
  type: z.enum(EventTypes),
  service: z.enum(ServiceNames),
  studyId: z.string(),
  correlationId: z.string(),
  time: z.string(),
  data: z.record(z.string(), z.unknown()),
}) as unknown as z.ZodType<LifecycleEvent>;
