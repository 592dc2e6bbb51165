import { ConfigError } from '@dsv/common';
import { loadDescriptorConfig } from './config.ts';
import { startDescriptor } from './server.ts';

try {
  const running = await startDescriptor(loadDescriptorConfig());
  const stop = (): void => {
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`descriptor: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
