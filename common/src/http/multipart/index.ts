export * from './stream-multipart.ts';
export * from './translate-multipart-error.ts';
