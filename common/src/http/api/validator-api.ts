import { z } from 'zod';
import { ValidationBatchAnswerSchema, ValidationBatchRequestSchema } from '../../contracts/batch.ts';
import { StudyChecksRequestSchema, StudyChecksResultSchema } from '../../contracts/storage.ts';
import { ValidationReportSchema } from '../../contracts/validation.ts';
import { JsonOrMultipartRefused, type ApiDescription } from '../openapi.ts';

export const ValidatorApi: ApiDescription = {
  title: 'DICOM study validator: validator',
  description: 'Checks the files of a delivery and, once a study is stable, the whole study. Called by the gateway only.',
  auth: 'internalToken',
  routes: [
    {
      method: 'post',
      path: '/v1/validations',
      summary: 'Validate deliveries: several named in the shared staging folder (JSON), or one with its files streamed (multipart)',
      body: [
        { contentType: 'application/json', schema: ValidationBatchRequestSchema },
        { contentType: 'multipart/form-data', description: 'One delivery (header x-study-id): file parts in the field "files"' },
      ],
      responses: {
        200: {
          description:
            'JSON: one result per delivery, in order; multipart: its report. Valid or not: a finding is an answer, not a failure',
          schema: z.union([ValidationBatchAnswerSchema, ValidationReportSchema]),
        },
        415: JsonOrMultipartRefused,
      },
    },
    {
      method: 'post',
      path: '/v1/study-checks',
      summary: "The checks that need a whole study, run when it goes stable, over the descriptor's GET /v1/studies/:uid/instances",
      body: [{ contentType: 'application/json', schema: StudyChecksRequestSchema }],
      responses: { 200: { description: 'Study-level findings', schema: StudyChecksResultSchema } },
    },
  ],
};
