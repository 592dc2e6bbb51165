import { mkdir } from 'node:fs/promises';
import { createEventBus, createLogger, listen, type EventType, type Logger } from '@dsv/common';
import { createApp, openArchive } from './app.ts';
import type { DescriptorConfig } from './config.ts';
import { clearIncoming } from './domain/study/study-folder.ts';

export interface RunningDescriptor {
  url: string;
  port: number;
  close(): Promise<void>;
}

const OWN_EVENTS: readonly EventType[] = ['metadata.extracted', 'storage.completed', 'fhir.forwarded', 'fhir.forward_failed'];

/**
 * Prepares the two folders, removes what a crash left half-assembled in their `.incoming/` (it was never
 * part of a study), opens the catalogue, rewrites the documents of studies a crash left behind it, then
 * listens.
 */
export async function startDescriptor(config: DescriptorConfig, options: { logger?: Logger } = {}): Promise<RunningDescriptor> {
  const logger = options.logger ?? createLogger('descriptor', config.logLevel);
  for (const dir of [config.studiesDir, config.rejectedDir]) {
    await mkdir(dir, { recursive: true });
    await clearIncoming(dir);
  }
  const events = createEventBus(logger, OWN_EVENTS);
  const { catalogue, documents } = openArchive(config, logger);
  await documents.repair();
  const server = await listen(createApp({ config, logger, events, catalogue, documents, processMetrics: true }), {
    host: config.host,
    port: config.port,
    requestTimeoutMs: config.http.requestTimeoutMs,
    headersTimeoutMs: config.http.headersTimeoutMs,
    shutdownTimeoutMs: config.http.shutdownTimeoutMs,
  });
  logger.info({ url: server.url }, 'listening');
  return {
    url: server.url,
    port: server.port,
    close: async () => {
      await server.close();
      await documents.close();
      catalogue.close();
    },
  };
}
