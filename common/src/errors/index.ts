export * from './error-codes.ts';
export * from './app-error.ts';
