import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { buildGateway, type TestGateway } from './build-gateway.ts';

/** A sibling whose GET /health answers `status`; `hang`: it takes the call and never answers. */
async function startSibling(status: number | 'hang') {
  const paths: string[] = [];
  const server = http.createServer((req, res) => {
    paths.push(req.url ?? '');
    if (status === 'hang') return;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: status === 200 ? 'ok' : 'down' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    paths,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('GET /ready', () => {
  const siblings: Awaited<ReturnType<typeof startSibling>>[] = [];
  let gateway: TestGateway | undefined;
  afterEach(async () => {
    await gateway?.cleanup();
    gateway = undefined;
    await Promise.all(siblings.splice(0).map((sibling) => sibling.close()));
  });

  const start = async (validatorStatus: number | 'hang', descriptorStatus: number | 'hang') => {
    const [validator, descriptor] = [await startSibling(validatorStatus), await startSibling(descriptorStatus)];
    siblings.push(validator, descriptor);
    gateway = await buildGateway({ validatorUrl: validator.url, descriptorUrl: descriptor.url });
    return { validator, descriptor, app: gateway.app };
  };

  it('when both siblings answer their /health with 200, then 200 ready, each asked for /health, twice in a row', async () => {
    const { validator, descriptor, app } = await start(200, 200);
    for (let i = 0; i < 2; i++) {
      const ready = await request(app).get('/ready').expect(200);
      expect(ready.body).toMatchObject({ ready: true, checks: { validator: 'up', descriptor: 'up' } });
    }
    expect([validator.paths, descriptor.paths]).toEqual([
      ['/health', '/health'],
      ['/health', '/health'],
    ]);
  });

  it('when a sibling answers its /health with 500, then 503, naming what it answered', async () => {
    const { app } = await start(200, 500);
    const ready = await request(app).get('/ready').expect(503);
    expect(ready.body).toMatchObject({ ready: false, checks: { validator: 'up', descriptor: 'answered 500' } });
  });

  it('when a sibling takes the call and never answers, then 503 with it unreachable', async () => {
    const { app } = await start('hang', 200);
    const ready = await request(app).get('/ready').expect(503);
    expect(ready.body.checks).toEqual({ validator: 'unreachable', descriptor: 'up' });
  });
});
