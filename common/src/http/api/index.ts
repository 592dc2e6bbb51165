export * from './skeleton-api.ts';
export * from './browse-api.ts';
export * from './gateway-api.ts';
export * from './validator-api.ts';
export * from './descriptor-api.ts';
