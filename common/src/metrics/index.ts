export * from './service-metrics.ts';
export * from './observe-events.ts';
export * from './file-sizes.ts';
export * from './storage-gauges.ts';
export * from './work-tally.ts';
