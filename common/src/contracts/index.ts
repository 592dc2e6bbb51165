export * from './finding.ts';
export * from './lifecycle-event.ts';
export * from './validation.ts';
export * from './storage.ts';
export * from './batch.ts';
export * from './association-event.ts';
