import type { Logger } from '@dsv/common';
import dimse from 'dcmjs-dimse';

type LogMethod = (...message: unknown[]) => void;
interface LoglevelLike {
  methodFactory: (methodName: string, level: number, loggerName: string | symbol) => LogMethod;
  setLevel(level: string, persist?: boolean): void;
  rebuild?: () => void;
}

let routedTo: Logger | null = null;

/**
 * dcmjs-dimse logs through one global loglevel logger, every PDU at info and every peer that goes away
 * at error. Its lines go to ours, one level lower: its info and debug at trace, its warnings and errors
 * at debug (what the receiver itself logs says what happened, with ids). Its lines name AE titles and
 * UIDs, never data set contents (logDatasets stays off).
 */
export function routeDimseLogging(logger: Logger): void {
  if (routedTo === logger) return;
  routedTo = logger;
  const log = dimse.log as unknown as LoglevelLike;
  const child = logger.child({ component: 'dcmjs-dimse' });
  log.methodFactory = (methodName) => {
    const level = methodName === 'error' || methodName === 'warn' ? 'debug' : 'trace';
    return (...message) => {
      if (child.isLevelEnabled(level)) child[level](message.map(String).join(' '));
    };
  };
  // A new factory takes effect when the level is set again.
  log.setLevel('trace', false);
  log.rebuild?.();
}
