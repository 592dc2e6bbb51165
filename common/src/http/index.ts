export * from './headers.ts';
export * from './request-context.ts';
export * from './error-handler.ts';
export * from './service-app.ts';
export * from './server-lifecycle.ts';
export * from './require-token.ts';
export * from './run-service.ts';
export * from './require-json.ts';
