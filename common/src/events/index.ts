export * from './event-catalog.ts';
export * from './event-bus.ts';
