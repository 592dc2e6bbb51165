import { z } from 'zod';
import { MAX_BATCH_STUDIES } from './batch.ts';

/** Files named in one prepare call at most (the gateway sends far fewer: what staged while the last call ran). */
export const MAX_PREPARE_FILES = 256;

/**
 * POST /v1/validations/prepare (validator) and POST /v1/studies/prepare (descriptor): staged files of
 * uploads still arriving, named as soon as each is on disk. The service reads and checks them while its
 * core would otherwise wait for the upload to end, and keeps what it found for the study's own call,
 * which stays the only one that decides anything: a file prepared and changed since, or never prepared,
 * is read then as before. A hint, so nothing in it is an error but a body that is not one.
 */
export const PrepareRequestSchema = z.strictObject({
  studies: z
    .array(z.strictObject({ studyId: z.string(), files: z.array(z.string()).min(1).max(MAX_PREPARE_FILES) }))
    .min(1)
    .max(MAX_BATCH_STUDIES),
});
export type PrepareRequest = z.infer<typeof PrepareRequestSchema>;

/** Files read and kept, and files passed over (a bad name or id, gone, unreadable): for logs and tests. */
export const PrepareAnswerSchema = z.object({ prepared: z.number().int().nonnegative(), skipped: z.number().int().nonnegative() });
export type PrepareAnswer = z.infer<typeof PrepareAnswerSchema>;
