import { ConfigError, createLogger } from '@dsv/common';
import { loadValidatorConfig } from './config.ts';
import { startValidator } from './server.ts';

try {
  const config = loadValidatorConfig();
  const logger = createLogger('validator', config.logLevel);
  const running = await startValidator(config, { logger });
  logger.info({ url: running.url }, 'listening');
  const stop = (): void => {
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`validator: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
