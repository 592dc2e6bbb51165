import { ConfigError } from '@dsv/common';
import { loadGatewayConfig } from './config.ts';
import { startGateway } from './server.ts';

try {
  const running = await startGateway(loadGatewayConfig());
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
    process.stderr.write(`gateway: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
