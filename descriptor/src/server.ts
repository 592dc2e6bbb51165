import { mkdir } from 'node:fs/promises';
import { createEventBus, createLogger, listen, type EventType, type Logger } from '@dsv/common';
import { createApp } from './app.ts';
import type { DescriptorConfig } from './config.ts';
import { clearIncoming } from './domain/study-folder.ts';
import { StudyIndex } from './domain/study-index.ts';

export interface RunningDescriptor {
  url: string;
  port: number;
  close(): Promise<void>;
}

const OWN_EVENTS: readonly EventType[] = ['metadata.extracted', 'storage.completed', 'fhir.forwarded', 'fhir.forward_failed'];

/**
 * Prepares the two folders, removes what a crash left half-assembled in their `.incoming/` (it was never
 * visible as a study), indexes the studies they hold, then listens.
 */
export async function startDescriptor(config: DescriptorConfig, options: { logger?: Logger } = {}): Promise<RunningDescriptor> {
  const logger = options.logger ?? createLogger('descriptor', config.logLevel);
  for (const dir of [config.studiesDir, config.rejectedDir]) {
    await mkdir(dir, { recursive: true });
    await clearIncoming(dir);
  }
  const events = createEventBus(logger, OWN_EVENTS);
  // The folders are the truth: whatever they hold now, copied in or restored, is what GET /studies lists.
  const index = await StudyIndex.build(config, logger);
  const server = await listen(createApp({ config, logger, events, index }), {
    host: config.host,
    port: config.port,
    requestTimeoutMs: config.http.requestTimeoutMs,
    headersTimeoutMs: config.http.headersTimeoutMs,
    shutdownTimeoutMs: config.http.shutdownTimeoutMs,
  });
  logger.info({ url: server.url }, 'listening');
  return { url: server.url, port: server.port, close: () => server.close() };
}
