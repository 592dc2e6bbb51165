import { createEventBus, createLogger, listen, type Logger } from '@dsv/common';
import { createApp } from './app.ts';
import type { ValidatorConfig } from './config.ts';

export interface RunningValidator {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Starts the validator on config.host:config.port (0 picks a free port); close() stops accepting and waits. */
export async function startValidator(config: ValidatorConfig, options: { logger?: Logger } = {}): Promise<RunningValidator> {
  const logger = options.logger ?? createLogger('validator', config.logLevel);
  const events = createEventBus(logger, ['validation.success', 'validation.failed']);
  const server = await listen(createApp({ config, logger, events, processMetrics: true }), {
    host: config.host,
    port: config.port,
    requestTimeoutMs: config.http.requestTimeoutMs,
    headersTimeoutMs: config.http.headersTimeoutMs,
    shutdownTimeoutMs: config.http.shutdownTimeoutMs,
  });
  return { url: server.url, port: server.port, close: () => server.close() };
}
