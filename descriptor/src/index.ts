export { createApp, type DescriptorDeps } from './app.ts';
export { startDescriptor, type RunningDescriptor } from './server.ts';
export { loadDescriptorConfig, DescriptorConfigSchema, type DescriptorConfig } from './config.ts';
