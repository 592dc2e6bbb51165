import { readFileSync } from 'node:fs';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createLogger, createServiceApp } from '../../src/index.ts';

describe('the version a service answers', () => {
  it('when no version is given, then /health answers the version of the root package.json', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    const app = createServiceApp({ service: 'validator', logger: createLogger('test', 'silent'), routes: [] });
    const res = await request(app).get('/health').expect(200);
    expect(res.body.version).toBe(version);
  });
});
