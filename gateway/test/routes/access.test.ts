import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '@dsv/common';
import { loadGatewayConfig } from '../../src/config.ts';
import { buildGateway, type TestGateway } from '../build-gateway.ts';

const KEY = 'k3y-for-tests-0123456789';

describe('gateway access', () => {
  let gateway: TestGateway;
  afterEach(() => gateway?.cleanup());

  describe('when API keys are configured', () => {
    it('then a request without a key answers 401 UNAUTHORIZED with WWW-Authenticate, and stages nothing', async () => {
      gateway = await buildGateway({ apiKeys: [KEY] });
      const res = await request(gateway.app).post('/upload').attach('files', Buffer.from('x'), 'a.dcm').expect(401);
      expect(res.body.error.code).toBe('UNAUTHORIZED');
      expect(res.headers['www-authenticate']).toBe('Bearer');
      await request(gateway.app).get('/status/01JD0000000000000000000000').expect(401);
    });

    it('then a wrong key, or a key one character short, answers 401', async () => {
      gateway = await buildGateway({ apiKeys: [KEY] });
      await request(gateway.app).get('/status/01JD0000000000000000000000').set('authorization', 'Bearer nope').expect(401);
      await request(gateway.app).get('/status/01JD0000000000000000000000').set('x-api-key', KEY.slice(0, -1)).expect(401);
    });

    it('then the key is accepted as a bearer token or in X-API-Key, and /health stays open', async () => {
      gateway = await buildGateway({ apiKeys: ['another-key-0123456789', KEY] });
      await request(gateway.app).get('/status/01JD0000000000000000000000').set('authorization', `Bearer ${KEY}`).expect(404);
      await request(gateway.app).get('/status/01JD0000000000000000000000').set('x-api-key', KEY).expect(404);
      await request(gateway.app).get('/health').expect(200);
    });
  });

  it('when no key is configured (loopback), then requests need none', async () => {
    gateway = await buildGateway();
    await request(gateway.app).get('/status/01JD0000000000000000000000').expect(404);
  });

  it('when no CORS origin is configured, then no CORS header is sent, even to a preflight', async () => {
    gateway = await buildGateway();
    const res = await request(gateway.app)
      .options('/upload')
      .set('origin', 'https://evil.example')
      .set('access-control-request-method', 'POST');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('when an origin is configured, then only that origin is allowed', async () => {
    gateway = await buildGateway({ allowedOrigins: ['https://viewer.example'] });
    const allowed = await request(gateway.app).get('/health').set('origin', 'https://viewer.example');
    expect(allowed.headers['access-control-allow-origin']).toBe('https://viewer.example');
    const other = await request(gateway.app).get('/health').set('origin', 'https://evil.example');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('when the gateway listens beyond loopback without API keys, then it refuses to start, naming the key and variable', () => {
    expect(() => loadGatewayConfig({ GATEWAY_HOST: '0.0.0.0' })).toThrow(ConfigError);
    expect(() => loadGatewayConfig({ GATEWAY_HOST: '0.0.0.0' })).toThrow(/auth\.apiKeys.*GATEWAY_API_KEYS/);
    expect(loadGatewayConfig({ GATEWAY_HOST: '0.0.0.0', GATEWAY_API_KEYS: KEY }).auth.apiKeys).toEqual([KEY]);
  });
});
