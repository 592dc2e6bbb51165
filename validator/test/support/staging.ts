import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { newStudyId, ValidationBatchAnswerSchema, type ValidationReport } from '@dsv/common';
import type { Express } from 'express';
import request from 'supertest';

/** The gateway's stored name of the file at `index` (0001.dcm, 0002.dcm, …). */
export const storedName = (index: number): string => `${String(index + 1).padStart(4, '0')}.dcm`;

/** Copies files into `<stagingDir>/<new id>/` under the gateway's stored names, as it stages an upload. */
export async function stageStudy(stagingDir: string, sources: readonly string[]): Promise<string> {
  const id = newStudyId();
  await mkdir(path.join(stagingDir, id));
  await Promise.all(sources.map((source, index) => copyFile(source, path.join(stagingDir, id, storedName(index)))));
  return id;
}

/** Deliveries by reference, as the gateway batches them: `{ studies: [{ studyId, correlationId, files }] }` as JSON. */
export function postBatch(app: Express, body: unknown) {
  return request(app)
    .post('/v1/validations')
    .set('x-correlation-id', 'batch')
    .set('content-type', 'application/json')
    .send(JSON.stringify(body));
}

/**
 * One delivery by reference, alone in its batch: its own status and body (a report, or the error
 * envelope's `error`), as the batch answers them.
 */
export async function postByReference(
  app: Express,
  studyId: string,
  files: readonly string[],
  correlationId = 'ref',
): Promise<{ status: number; body: ValidationReport & { error: { code: string; details?: Record<string, unknown> } } }> {
  const response = await postBatch(app, { studies: [{ studyId, correlationId, files }] });
  if (response.status !== 200) throw new Error(`the batch answered ${response.status}: ${JSON.stringify(response.body)}`);
  const [result] = ValidationBatchAnswerSchema.parse(response.body).results;
  return { status: result!.status, body: ('body' in result! ? result.body : { error: result!.error }) as never };
}
