import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLogger, DescribeBatchAnswerSchema, EventBus, newStudyId, type DescribeRequest, type DescribeResult } from '@dsv/common';
import type { Express } from 'express';
import request from 'supertest';
import { createApp, openArchive } from '../../src/app.ts';
import type { DescriptorConfig } from '../../src/config.ts';
import { KeyedLock } from '../../src/archive/keyed-lock.ts';
import type { StudyDocuments } from '../../src/archive/study-documents.ts';
import type { Catalogue } from '../../src/data/catalogue.ts';
import type { UploadFile } from './describe-request.ts';

export const FIXED_NOW = new Date('2026-03-04T05:06:07.890Z');

export interface TestDescriptor {
  app: Express;
  config: DescriptorConfig;
  events: EventBus;
  catalogue: Catalogue;
  /** The document writer over the catalogue (`repair()` is what start-up runs). */
  documents: StudyDocuments;
  /** The studies' locks the app joins under: a test may hold one. */
  locks: KeyedLock;
  dir: string;
  remove(): Promise<void>;
}

/** A descriptor config over `dir` (studies/, rejected/, outbox/), FHIR forwarding off unless told. */
export function testDescriptorConfig(
  dir: string,
  limits: Partial<DescriptorConfig['limits']> = {},
  configOverrides: Partial<Pick<DescriptorConfig, 'fhir' | 'stagingDir' | 'storage' | 'documents'>> = {},
): DescriptorConfig {
  return {
    host: '127.0.0.1',
    port: 0,
    internalToken: '',
    logLevel: 'silent',
    studiesDir: path.join(dir, 'studies'),
    rejectedDir: path.join(dir, 'rejected'),
    dataDir: path.join(dir, 'var'),
    storage: { onReencoded: 'keep-first' },
    documents: { awaitMaxInstances: 100, rewriteIntervalMs: 1000 },
    outboxDir: path.join(dir, 'outbox'),
    stagingDir: path.join(dir, 'staging'),
    limits: {
      maxFiles: 50,
      maxFileBytes: 64 * 1024 * 1024,
      maxHeaderBytes: 64 * 1024 * 1024,
      maxInflatedBytes: 512 * 1024 * 1024,
      maxRequestFieldBytes: 1024 * 1024,
      ...limits,
    },
    http: { requestTimeoutMs: 0, headersTimeoutMs: 30_000, shutdownTimeoutMs: 5_000 },
    fhir: { forwardUrl: '', authHeader: '', timeoutMs: 5000, retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 } },
    ...configOverrides,
  };
}

/** The app over a fresh temporary folder holding studies/, rejected/ and outbox/; FHIR forwarding off unless told. */
export async function createTestDescriptor(
  overrides: Partial<DescriptorConfig['limits']> = {},
  configOverrides: Partial<Pick<DescriptorConfig, 'fhir' | 'stagingDir' | 'storage' | 'documents'>> = {},
): Promise<TestDescriptor> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-descriptor-'));
  const config = testDescriptorConfig(dir, overrides, configOverrides);
  const events = new EventBus();
  const logger = createLogger('descriptor', 'silent');
  const { catalogue, documents } = openArchive(config, logger);
  const locks = new KeyedLock();
  const app = createApp({ config, logger, events, now: () => FIXED_NOW, catalogue, documents, locks });
  const remove = async () => {
    await documents.close();
    catalogue.close();
    await rm(dir, { recursive: true, force: true });
  };
  return { app, config, events, catalogue, documents, locks, dir, remove };
}

/** POSTs one delivery streamed, the way the gateway does: the request part (which names it), then the files. */
export function postStudy(app: Express, body: DescribeRequest, files: readonly UploadFile[]) {
  let call = request(app).post('/v1/deliveries').set('x-correlation-id', 'corr-test-1').field('request', JSON.stringify(body));
  for (const { file, source } of files) call = call.attach('files', source, { filename: file, contentType: 'application/dicom' });
  return call;
}

/** POSTs deliveries by reference, the way the gateway batches them: `{ studies: [{ correlationId, request }] }`. */
export function postBatch(app: Express, body: unknown) {
  return request(app)
    .post('/v1/deliveries')
    .set('x-correlation-id', 'corr-batch')
    .set('content-type', 'application/json')
    .send(JSON.stringify(body));
}

/**
 * One delivery by reference, alone in its batch: its own status and body (a DescribeResult, or the error
 * envelope's `error`), as the batch answers them.
 */
export async function postByReference(
  app: Express,
  body: unknown,
  correlationId = 'corr-ref-1',
): Promise<{ status: number; body: DescribeResult & { error: { code: string; details?: Record<string, unknown> } } }> {
  const response = await postBatch(app, { studies: [{ correlationId, request: body }] });
  if (response.status !== 200) throw new Error(`the batch answered ${response.status}: ${JSON.stringify(response.body)}`);
  const [result] = DescribeBatchAnswerSchema.parse(response.body).results;
  return { status: result!.status, body: ('body' in result! ? result.body : { error: result!.error }) as never };
}

/** Every path under a folder, relative, sorted; [] when it does not exist. */
export async function listTree(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true });
    return entries.map((entry) => entry.split(path.sep).join('/')).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

export { newStudyId };

/**
 * POST /v1/studies/<uid>/stable as the gateway sends it once a study had no delivery for a while, without
 * study-level findings: the study's metadata.dicom.json and fhir.json are written then.
 */
export function markStable(app: Express, studyInstanceUid: string, lastDeliveryId: string) {
  return request(app)
    .post(`/v1/studies/${studyInstanceUid}/stable`)
    .send({ correlationId: 'corr-stable-1', lastDeliveryId, errors: [], warnings: [] });
}
