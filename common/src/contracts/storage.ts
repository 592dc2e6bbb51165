import { z } from 'zod';
import { LifecycleEventSchema } from './lifecycle-event.ts';
import { ValidationReportSchema } from './validation.ts';

/** The first part of a descriptor request: what to do with the files that follow it. */
export const DescribeRequestSchema = z.object({
  studyId: z.string(),
  disposition: z.enum(['stored', 'rejected']),
  receivedAt: z.string(),
  /**
   * Stored name -> the name the client sent, for people reading the log. Sent by reference, a file also
   * carries its size and the sha256 the gateway computed while staging it (the descriptor links the file
   * and does not read it whole again).
   */
  files: z.array(
    z.object({
      file: z.string(),
      clientName: z.string(),
      sizeBytes: z.number().int().nonnegative().optional(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
    }),
  ),
  report: ValidationReportSchema,
});
export type DescribeRequest = z.infer<typeof DescribeRequestSchema>;

export const StoredFileSchema = z.object({
  file: z.string(),
  path: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  sha256: z.string(),
  SOPInstanceUID: z.string().optional(),
});

export const DescribeResultSchema = z.object({
  studyId: z.string(),
  disposition: z.enum(['stored', 'rejected']),
  alreadyStored: z.boolean(),
  directory: z.string(),
  files: z.object({
    originals: z.array(StoredFileSchema),
    metadata: z.string().nullable(),
    validationLog: z.string(),
  }),
  events: z.array(LifecycleEventSchema),
});
export type DescribeResult = z.infer<typeof DescribeResultSchema>;
