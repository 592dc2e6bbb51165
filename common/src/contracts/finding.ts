import { z } from 'zod';

export const FindingSchema = z.object({
  severity: z.enum(['error', 'warning']),
  code: z.string(),
  message: z.string(),
  /** The stored name of the file in the upload (e.g. '0001.dcm'); absent for study-level findings. */
  file: z.string().optional(),
  /** Several files, for study-level findings. */
  files: z.array(z.string()).optional(),
  /** '(gggg,eeee)' */
  tag: z.string().optional(),
  keyword: z.string().optional(),
  /** Where the element is nested, e.g. 'ReferencedSeriesSequence[0].SeriesInstanceUID'. */
  path: z.string().optional(),
});
export type Finding = z.infer<typeof FindingSchema>;
