import { z } from 'zod';
import { MAX_BATCH_STUDIES } from './batch.ts';

/** Files of one study named in one prepare call at most (the gateway names a larger study's first ones). */
export const MAX_PREPARE_FILES = 256;

/**
 * POST /v1/studies/prepare (descriptor): the staged files of studies the validator is checking. The
 * descriptor reads and describes them on its own core meanwhile, and keeps that for the study's describe
 * call, which stays the only one that decides anything: a file prepared and changed since, or never
 * prepared, is read then as before. A hint, so nothing in it is an error but a body that is not one.
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
