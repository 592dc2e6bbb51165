import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { countLogLine } from '../metrics/work-tally.ts';

export type { Logger };

/**
 * JSON lines on stdout. Only ids, UIDs and codes are ever passed to it: callers never log a data set,
 * a request body or a DICOM value, so there is no patient data to redact.
 *
 * Written asynchronously: lines logged while a write is under way go out together in the next one,
 * instead of a system call per line on the event loop. pino
 * flushes what is left when the process exits; a SIGKILL can lose the last lines.
 *
 * Each line is counted by level (dsv_log_lines_total). pino calls the hook only for the levels enabled,
 * and its children inherit it, so it counts exactly the lines written.
 */
export function createLogger(service: string, level: string = 'info', destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    hooks: {
      logMethod(args, write, value) {
        countLogLine(this.levels.labels[value] ?? String(value));
        write.apply(this, args);
      },
    },
  };
  // A silent logger writes nothing: no stream, no exit hook (tests make many). A test may pass its own stream.
  if (level === 'silent') return pino(options);
  return pino(options, destination ?? pino.destination({ dest: 1, sync: false }));
}
