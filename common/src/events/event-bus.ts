import { EventEmitter } from 'eventemitter3';
import type { Logger } from '../logging/logger.ts';
import { EventOwners, type EventContext, type EventPayloads, type EventType, type LifecycleEvent } from './event-catalog.ts';

type Listeners = { [T in EventType]: (event: LifecycleEvent<T>) => void };

/** One typed emitter per service, created at start-up and passed in: no global emitter. */
export class EventBus extends EventEmitter<Listeners> {
  /** Builds the event from its context, emits it and returns it, so callers can also send it on. */
  publish<T extends EventType>(type: T, context: EventContext, data: EventPayloads[T], now: Date = new Date()): LifecycleEvent<T> {
    const event = {
      type,
      service: EventOwners[type],
      studyId: context.studyId,
      correlationId: context.correlationId,
      time: now.toISOString(),
      data,
    } as LifecycleEvent<T>;
    (this.emit as (type: EventType, event: unknown) => boolean)(type, event);
    return event;
  }

  /** Re-emits an event another service published, so it is logged here as well. */
  relay(event: LifecycleEvent): void {
    (this.emit as (type: EventType, event: LifecycleEvent) => boolean)(event.type, event);
  }
}

export function createEventBus(logger: Logger, types: readonly EventType[]): EventBus {
  const bus = new EventBus();
  for (const type of types) {
    bus.on(type, (event: LifecycleEvent) => logger.info({ event }, `event ${event.type}`));
  }
  return bus;
}
