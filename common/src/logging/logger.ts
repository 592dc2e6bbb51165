import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * JSON lines on stdout. Only ids, UIDs and codes are ever passed to it: callers never log a data set,
 * a request body or a DICOM value, so there is no patient data to redact.
 *
 * Written asynchronously: lines logged while a write is under way go out together in the next one
 * (a synchronous write per line cost the validator a quarter of its CPU per request under load). pino
 * flushes what is left when the process exits; a SIGKILL can lose the last lines.
 */
export function createLogger(service: string, level: string = 'info'): Logger {
  const options = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  // A silent logger writes nothing: no stream, no exit hook (tests make many).
  return level === 'silent' ? pino(options) : pino(options, pino.destination({ dest: 1, sync: false }));
}
