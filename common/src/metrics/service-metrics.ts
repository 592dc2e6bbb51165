import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ServiceName } from '../events/event-catalog.ts';
import { readWorkTally, type WorkTally } from './work-tally.ts';

/** One registry per service (per app): nothing global, so tests may build many apps side by side. */
export interface ServiceMetrics {
  registry: Registry;
  /** Events published on the service's bus, by type and outcome code ('none' when the event has none). */
  events: Counter<'type' | 'code'>;
  /** Time between lifecycle events (see observeEvents for the stages). */
  stageDuration: Histogram<'stage'>;
  /** Every answered request, by route pattern: never the raw path, which may carry ids or names. */
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  /** Requests received on the internal routes (`/v1/…`), counted by the receiver, by route pattern. */
  internalRequests: Counter<'route'>;
  /** A gauge read at each scrape: `read` gives its value, or one value per label set. */
  addGauge(name: string, help: string, read: () => number | Promise<number>): void;
  addLabelledGauge<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    read: () => Promise<GaugeSample<L>[]> | GaugeSample<L>[],
  ): void;
}

export interface GaugeSample<L extends string> {
  labels: Record<L, string>;
  value: number;
}

export interface MetricsOptions {
  /**
   * Node's process metrics (CPU, memory, event-loop lag, GC). Each set starts an event-loop monitor and a
   * GC observer for the life of the process: services want them, the many apps of a test run do not.
   */
  processMetrics?: boolean;
}

export const METRIC_PREFIX = 'dsv_';

/** Pipeline stages last from milliseconds (a small study) to many minutes (thousands of files). */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

export function createServiceMetrics(service: ServiceName, options: MetricsOptions = {}): ServiceMetrics {
  const registry = new Registry();
  // Every series names its service, so one Prometheus job may scrape the three alike.
  registry.setDefaultLabels({ service });
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  const registers = [registry];
  addWorkCounters(registers);
  return {
    registry,
    events: new Counter({
      name: `${METRIC_PREFIX}events_total`,
      help: 'Lifecycle events published, by type and outcome code',
      labelNames: ['type', 'code'],
      registers,
    }),
    stageDuration: new Histogram({
      name: `${METRIC_PREFIX}stage_duration_seconds`,
      help: 'Duration of each stage of a delivery, measured between its lifecycle events',
      labelNames: ['stage'],
      buckets: DURATION_BUCKETS,
      registers,
    }),
    httpDuration: new Histogram({
      name: `${METRIC_PREFIX}http_request_duration_seconds`,
      help: 'HTTP requests answered, by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: DURATION_BUCKETS,
      registers,
    }),
    internalRequests: new Counter({
      name: `${METRIC_PREFIX}internal_requests_total`,
      help: 'Requests received from the other services (the /v1/ routes), by route pattern',
      labelNames: ['route'],
      registers,
    }),
    addGauge(name, help, read) {
      new Gauge({
        name: `${METRIC_PREFIX}${name}`,
        help,
        registers,
        async collect() {
          this.set(await read());
        },
      });
    },
    addLabelledGauge(name, help, labelNames, read) {
      new Gauge({
        name: `${METRIC_PREFIX}${name}`,
        help,
        labelNames: [...labelNames],
        registers,
        async collect() {
          this.reset();
          for (const sample of await read()) this.set(sample.labels, sample.value);
        },
      });
    },
  };
}

/**
 * The process's work tally (work-tally.ts) as counters, set from it at each scrape: the flushes, commits
 * and log lines are counted where they happen, which knows nothing of this registry.
 */
function addWorkCounters(registers: Registry[]): void {
  const counter = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    read: (tally: WorkTally) => GaugeSample<L>[],
  ): void => {
    new Counter({
      name: `${METRIC_PREFIX}${name}`,
      help,
      labelNames: [...labelNames],
      registers,
      collect() {
        this.reset();
        for (const sample of read(readWorkTally())) this.inc(sample.labels, sample.value);
      },
    });
  };
  counter(
    'fsync_total',
    "fsync(2) and fdatasync(2) calls made by the process, of files and of directories (SQLite's own are not counted)",
    ['kind'],
    (t) => (['file', 'directory'] as const).map((kind) => ({ labels: { kind }, value: t.fsync[kind] })),
  );
  counter('db_commits_total', 'SQLite transactions committed by the process (savepoints inside one are not counted)', [], (t) => [
    { labels: {}, value: t.dbCommits },
  ]);
  counter('log_lines_total', 'Log lines written by the process, by level', ['level'], (t) =>
    Object.entries(t.logLines).map(([level, value]) => ({ labels: { level }, value })),
  );
}
