import { z } from 'zod';
import { DescribeRequestSchema, DescribeResultSchema } from './storage.ts';
import { ValidationReportSchema } from './validation.ts';

/**
 * Batches: the JSON body of a sibling's delivery route, several studies in one call by reference (the
 * files are in the shared staging folder). Under load the gateway sends what queued up while its previous
 * calls ran, so the fixed cost of an HTTP exchange (at both ends) is paid once for many studies. Each
 * study gets the answer it would have got alone: a result with its status code, or an error with its
 * code, in the order asked.
 */
export const MAX_BATCH_STUDIES = 32;

/** What a study alone would have been answered with an error, as in the error body of a request. */
export const BatchErrorSchema = z.object({
  status: z.number().int().min(400).max(599),
  error: z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() }),
});
export type BatchError = z.infer<typeof BatchErrorSchema>;

function batchAnswer<T extends z.ZodType>(body: T) {
  return z.object({ results: z.array(z.union([z.object({ status: z.number().int().min(200).max(299), body }), BatchErrorSchema])) });
}

/** POST /v1/validations as application/json (validator): each study's staged files by name. */
export const ValidationBatchRequestSchema = z.strictObject({
  studies: z
    .array(z.strictObject({ studyId: z.string(), correlationId: z.string(), files: z.array(z.string()).min(1) }))
    .min(1)
    .max(MAX_BATCH_STUDIES),
});
export type ValidationBatchRequest = z.infer<typeof ValidationBatchRequestSchema>;
export const ValidationBatchAnswerSchema = batchAnswer(ValidationReportSchema);
export type ValidationBatchAnswer = z.infer<typeof ValidationBatchAnswerSchema>;

/** POST /v1/deliveries as application/json (descriptor): each study's DescribeRequest, its files by reference. */
export const DescribeBatchRequestSchema = z.strictObject({
  studies: z
    .array(z.strictObject({ correlationId: z.string(), request: DescribeRequestSchema }))
    .min(1)
    .max(MAX_BATCH_STUDIES),
});
export type DescribeBatchRequest = z.infer<typeof DescribeBatchRequestSchema>;
export const DescribeBatchAnswerSchema = batchAnswer(DescribeResultSchema);
export type DescribeBatchAnswer = z.infer<typeof DescribeBatchAnswerSchema>;
