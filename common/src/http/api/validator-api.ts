import { ValidationBatchAnswerSchema, ValidationBatchRequestSchema } from '../../contracts/batch.ts';
import { StudyChecksRequestSchema, StudyChecksResultSchema } from '../../contracts/storage.ts';
import { StagedFilesSchema, ValidationReportSchema } from '../../contracts/validation.ts';
import type { ApiDescription } from '../openapi.ts';

export const ValidatorApi: ApiDescription = {
  title: 'DICOM study validator: validator',
  description: 'Checks the files of a delivery and, once a study is stable, the whole study. Called by the gateway only.',
  auth: 'internalToken',
  routes: [
    {
      method: 'post',
      path: '/v1/validations',
      summary: 'Validate one delivery (header x-study-id): its files streamed, or named in the shared staging folder',
      body: [
        { contentType: 'multipart/form-data', description: 'File parts in the field "files"' },
        { contentType: 'application/json', schema: StagedFilesSchema },
      ],
      responses: {
        200: { description: 'The report, valid or not: a finding is an answer, not a failure', schema: ValidationReportSchema },
      },
    },
    {
      method: 'post',
      path: '/v1/validations/batch',
      summary: 'Validate several deliveries by reference, each answered as its own call would be',
      body: [{ contentType: 'application/json', schema: ValidationBatchRequestSchema }],
      responses: { 200: { description: 'One result per study, in order', schema: ValidationBatchAnswerSchema } },
    },
    {
      method: 'post',
      path: '/v1/study-checks',
      summary: 'The checks that need a whole study, run when it goes stable',
      body: [{ contentType: 'application/json', schema: StudyChecksRequestSchema }],
      responses: { 200: { description: 'Study-level findings', schema: StudyChecksResultSchema } },
    },
  ],
};
