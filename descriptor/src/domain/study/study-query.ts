import { isStudyId } from '@dsv/common';
import { z } from 'zod';
import { parseDateRange } from './parse-date-range.ts';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

/** A Code String (PS3.5 §6.2 CS): upper-case letters, digits, space and underscore, at most 16. */
const MODALITY = /^[A-Z0-9_ ]{1,16}$/;

/**
 * The query of GET /studies, keyed like QIDO-RS (PS3.18 §10.6.1.2) where a DICOM attribute is meant.
 * Unknown parameters are refused rather than ignored: a misspelt filter would otherwise list everything.
 */
export const StudyQuerySchema = z
  .strictObject({
    limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
    cursor: z.string().refine(isStudyId, 'not a cursor this service gave: pass nextCursor as it came').optional(),
    state: z.enum(['receiving', 'stable', 'rejected']).optional(),
    PatientID: z.string().min(1).max(64).optional(),
    AccessionNumber: z.string().min(1).max(16).optional(),
    StudyDate: z
      .string()
      .transform((value, ctx) => {
        const range = parseDateRange(value);
        if (range === null) {
          ctx.addIssue({
            code: 'custom',
            message: 'a date (20231105 or 2023-11-05) or a range of them (20231101-20231130, open at either end)',
          });
          return z.NEVER;
        }
        return range;
      })
      .optional(),
    ModalitiesInStudy: z
      .string()
      .transform((value, ctx) => {
        const modalities = value.split(',').map((modality) => modality.trim().toUpperCase());
        if (!modalities.every((modality) => MODALITY.test(modality))) {
          ctx.addIssue({ code: 'custom', message: 'modalities separated by commas, e.g. CT,MR' });
          return z.NEVER;
        }
        return new Set(modalities);
      })
      .optional(),
  })
  .superRefine((query, ctx) => {
    // Rejected deliveries are listed newest first and nothing else: a filter would be ignored, and list everything.
    if (query.state !== 'rejected') return;
    for (const key of ['PatientID', 'AccessionNumber', 'StudyDate', 'ModalitiesInStudy'] as const) {
      if (query[key] !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: 'the filters apply to DICOM studies; state=rejected lists rejected deliveries unfiltered',
        });
    }
  });

export type StudyQuery = z.infer<typeof StudyQuerySchema>;
