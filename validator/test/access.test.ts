import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { ConfigError, createEventBus, createLogger, EventTypes } from '@dsv/common';
import { createApp } from '../src/app.ts';
import { loadValidatorConfig } from '../src/config.ts';

const TOKEN = 'internal-token-for-tests';

function appWith(env: NodeJS.ProcessEnv) {
  const config = loadValidatorConfig({ CONFIG_DIR: 'config', LOG_LEVEL: 'silent', ...env });
  const logger = createLogger('validator', 'silent');
  return createApp({ config, logger, events: createEventBus(logger, EventTypes) });
}

describe('validator access', () => {
  it('when an internal token is configured, then a call without it answers 401 and /health stays open', async () => {
    const app = appWith({ INTERNAL_TOKEN: TOKEN });
    const res = await request(app).post('/v1/validations').attach('files', Buffer.from('x'), '0001.dcm').expect(401);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
    await request(app).get('/health').expect(200);
  });

  it('when the call carries the token, then it is served', async () => {
    const app = appWith({ INTERNAL_TOKEN: TOKEN });
    await request(app)
      .post('/v1/validations')
      .set('authorization', `Bearer ${TOKEN}`)
      .set('x-study-id', '01JD0000000000000000000000')
      .attach('files', Buffer.from('not dicom'), '0001.dcm')
      .expect(200);
  });

  it('when it binds beyond loopback without a token, then it refuses to start naming INTERNAL_TOKEN', () => {
    expect(() => loadValidatorConfig({ CONFIG_DIR: 'config', VALIDATOR_HOST: '0.0.0.0' })).toThrow(ConfigError);
    expect(() => loadValidatorConfig({ CONFIG_DIR: 'config', VALIDATOR_HOST: '0.0.0.0' })).toThrow(/internalToken.*INTERNAL_TOKEN/);
  });
});
