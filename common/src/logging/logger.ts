import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * JSON lines on stdout. Only ids, UIDs and codes are ever passed to it: callers never log a data set,
 * a request body or a DICOM value, so there is no patient data to redact.
 */
export function createLogger(service: string, level: string = 'info'): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}
