import path from 'node:path';
import {
  DescriptorApi,
  addStorageGauges,
  createServiceApp,
  createServiceMetrics,
  observeEvents,
  requireToken,
  type EventBus,
  type Logger,
} from '@dsv/common';
import type { Express } from 'express';
import { KeyedLock } from './archive/keyed-lock.ts';
import { StudyDocuments } from './archive/study-documents.ts';
import type { DescriptorConfig } from './config.ts';
import { Catalogue } from './data/catalogue.ts';
import { createFhirForwarder } from './domain/fhir/forward-fhir.ts';
import { browseRouter } from './routes/browse.ts';
import { deliveriesRouter } from './routes/deliveries.ts';
import { studyStabilityRouter } from './routes/study-stability.ts';

export interface DescriptorDeps {
  config: DescriptorConfig;
  logger: Logger;
  events: EventBus;
  /** The clock of createdAt; tests pin it. */
  now?: () => Date;
  catalogue: Catalogue;
  documents: StudyDocuments;
  /** Node's process metrics in GET /metrics: the running service has them, the route tests need not. */
  processMetrics?: boolean;
  /** The studies' locks; a test holds one to have deliveries wait for it together. */
  locks?: KeyedLock;
}

/** The catalogue file of a descriptor: one per service, under its data folder. */
export function cataloguePath(config: Pick<DescriptorConfig, 'dataDir'>): string {
  return path.join(config.dataDir, 'descriptor.db');
}

/** The catalogue and the document writer over it, as startDescriptor and the route tests build them. */
export function openArchive(config: DescriptorConfig, logger?: Logger): { catalogue: Catalogue; documents: StudyDocuments } {
  const catalogue = new Catalogue(cataloguePath(config));
  return { catalogue, documents: new StudyDocuments(catalogue, config.studiesDir, config.documents, logger) };
}

/** The descriptor's express app, without a port: supertest drives it directly. */
export function createApp(deps: DescriptorDeps): Express {
  const now = deps.now ?? (() => new Date());
  // One study's joins and its stability run one at a time.
  const locks = deps.locks ?? new KeyedLock();
  const routeDeps = { ...deps, now, locks };
  const forwarder = deps.config.fhir.forwardUrl ? createFhirForwarder(deps) : null;
  const metrics = createServiceMetrics('descriptor', { processMetrics: deps.processMetrics ?? false });
  observeEvents(deps.events, metrics);
  addStorageGauges(metrics, {
    databases: { 'descriptor.db': cataloguePath(deps.config) },
    // studies/ can hold terabytes: its size comes from the catalogue, never from a walk.
    folders: { studies: () => ({ bytes: deps.catalogue.storedBytes(), complete: true }) },
  });
  return createServiceApp({
    service: 'descriptor',
    api: DescriptorApi,
    logger: deps.logger,
    metrics,
    // Only the gateway calls this service: it must carry the internal token (when one is configured).
    guard: requireToken({ tokens: deps.config.internalToken ? [deps.config.internalToken] : [] }),
    routes: [
      studyStabilityRouter({ ...routeDeps, studiesDir: deps.config.studiesDir, forwarder }),
      deliveriesRouter(routeDeps),
      browseRouter({ config: deps.config, catalogue: deps.catalogue, documents: deps.documents }),
    ],
  });
}
