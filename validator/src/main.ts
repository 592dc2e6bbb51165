import { createLogger, runService } from '@dsv/common';
import { loadValidatorConfig } from './config.ts';
import { startValidator } from './server.ts';

await runService('validator', async () => {
  const config = loadValidatorConfig();
  const logger = createLogger('validator', config.logLevel);
  const running = await startValidator(config, { logger });
  logger.info({ url: running.url }, 'listening');
  return running;
});
