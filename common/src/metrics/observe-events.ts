import type { EventBus } from '../events/event-bus.ts';
import { EventTypes, type LifecycleEvent } from '../events/event-catalog.ts';
import type { ServiceMetrics } from './service-metrics.ts';

/** Deliveries whose next event is awaited; beyond it the oldest is forgotten (a crash never ends it). */
const MAX_OPEN_DELIVERIES = 10_000;

/** The events that start a delivery's validation: a new upload, or one run again. */
const STARTS = new Set(['study.uploaded', 'study.retried', 'study.resumed']);
const ENDS = new Set(['study.processed', 'study.rejected', 'study.failed']);

/**
 * Counts every event published on the bus and times the stages between them, by listening: the code that
 * publishes is not touched. Stages, in seconds:
 * - `validate`: study.uploaded (or .retried, .resumed) → study.validated, queueing included;
 * - `store`: study.validated → study.processed or study.rejected;
 * - `delivery`: the pipeline's own durationMs on study.processed, .rejected and .failed;
 * - `fhir_forward`: the durationMs of fhir.forwarded.
 * `now` is a monotonic clock in milliseconds (tests pass their own).
 */
export function observeEvents(bus: EventBus, metrics: ServiceMetrics, now: () => number = () => performance.now()): void {
  const startedAt = new Map<string, number>();
  const validatedAt = new Map<string, number>();
  const remember = (map: Map<string, number>, id: string): void => {
    map.delete(id);
    map.set(id, now());
    if (map.size > MAX_OPEN_DELIVERIES) map.delete(map.keys().next().value!);
  };
  const elapsed = (map: Map<string, number>, id: string): number | undefined => {
    const start = map.get(id);
    map.delete(id);
    return start === undefined ? undefined : (now() - start) / 1000;
  };
  const onEvent = (event: LifecycleEvent): void => {
    const data = event.data as { code?: unknown; durationMs?: unknown };
    metrics.events.inc({ type: event.type, code: typeof data.code === 'string' ? data.code : 'none' });
    const id = event.studyId;
    if (STARTS.has(event.type)) {
      remember(startedAt, id);
      validatedAt.delete(id);
    } else if (event.type === 'study.validated') {
      const seconds = elapsed(startedAt, id);
      if (seconds !== undefined) metrics.stageDuration.observe({ stage: 'validate' }, seconds);
      remember(validatedAt, id);
    } else if (ENDS.has(event.type)) {
      startedAt.delete(id);
      const seconds = elapsed(validatedAt, id);
      if (seconds !== undefined && event.type !== 'study.failed') metrics.stageDuration.observe({ stage: 'store' }, seconds);
    }
    if (typeof data.durationMs === 'number') {
      const stage = event.type === 'fhir.forwarded' ? 'fhir_forward' : ENDS.has(event.type) ? 'delivery' : undefined;
      if (stage) metrics.stageDuration.observe({ stage }, data.durationMs / 1000);
    }
  };
  for (const type of EventTypes) bus.on(type, onEvent as never);
}
