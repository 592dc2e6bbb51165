import { ConfigError } from '../config/load-config.ts';
import type { ServiceName } from '../events/event-catalog.ts';

export interface StoppableService {
  /** Stops taking new work and resolves once the work in flight has ended. */
  close(): Promise<unknown>;
}

export interface RunServiceOptions {
  /** How long SIGTERM/SIGINT waits for the work in flight before the process exits anyway. */
  shutdownTimeoutMs?: number;
}

/**
 * The process around a service (each main.ts): start it; a bad config prints its message and exits 1;
 * SIGINT or SIGTERM stop it cleanly, exiting 0 once the work in flight has ended.
 */
export async function runService(
  name: ServiceName,
  start: () => Promise<StoppableService>,
  options: RunServiceOptions = {},
): Promise<void> {
  let running: StoppableService;
  try {
    running = await start();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${name}: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    if (options.shutdownTimeoutMs !== undefined) {
      // Work still running then is not lost: the gateway resumes staged studies at its next start.
      setTimeout(() => {
        process.stderr.write(`${name}: work still in flight ${options.shutdownTimeoutMs} ms after ${signal}; exiting\n`);
        process.exit(0);
      }, options.shutdownTimeoutMs).unref();
    }
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`${name}: stop failed: ${(error as Error)?.message ?? String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
