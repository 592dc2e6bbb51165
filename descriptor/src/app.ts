import path from 'node:path';
import { createServiceApp, requireToken, type EventBus, type Logger } from '@dsv/common';
import type { Express } from 'express';
import { KeyedLock } from './archive/keyed-lock.ts';
import { StudyDocuments } from './archive/study-documents.ts';
import type { DescriptorConfig } from './config.ts';
import { Catalogue } from './data/catalogue.ts';
import type { HeaderDescription } from './domain/compose-study.ts';
import { createFhirForwarder } from './domain/forward-fhir.ts';
import { PreparedFiles } from './domain/prepared-files.ts';
import { browseRouter } from './routes/browse.ts';
import { studiesRouter } from './routes/studies.ts';
import { studyStabilityRouter } from './routes/study-stability.ts';

export interface DescriptorDeps {
  config: DescriptorConfig;
  logger: Logger;
  events: EventBus;
  /** The clock of createdAt; tests pin it. */
  now?: () => Date;
  catalogue: Catalogue;
  documents: StudyDocuments;
}

/** The catalogue file of a descriptor: one per service, under its data folder. */
export function cataloguePath(config: Pick<DescriptorConfig, 'dataDir'>): string {
  return path.join(config.dataDir, 'descriptor.db');
}

/** The catalogue and the document writer over it, as startDescriptor and the route tests build them. */
export function openArchive(config: DescriptorConfig, logger?: Logger): { catalogue: Catalogue; documents: StudyDocuments } {
  const catalogue = new Catalogue(cataloguePath(config));
  return { catalogue, documents: new StudyDocuments(catalogue, config.studiesDir, logger) };
}

/** The descriptor's express app, without a port: supertest drives it directly. */
export function createApp(deps: DescriptorDeps): Express {
  const now = deps.now ?? (() => new Date());
  // One study's joins and its stability run one at a time.
  const locks = new KeyedLock();
  const routeDeps = { ...deps, now, locks, prepared: new PreparedFiles<HeaderDescription>() };
  const forwarder = deps.config.fhir.forwardUrl ? createFhirForwarder(deps) : null;
  return createServiceApp({
    service: 'descriptor',
    version: '0.1.0',
    logger: deps.logger,
    // Only the gateway calls this service: it must carry the internal token (when one is configured).
    guard: requireToken({ tokens: deps.config.internalToken ? [deps.config.internalToken] : [] }),
    routes: [
      studyStabilityRouter({ ...routeDeps, studiesDir: deps.config.studiesDir, forwarder }),
      studiesRouter(routeDeps),
      browseRouter({ config: deps.config, catalogue: deps.catalogue }),
    ],
  });
}
