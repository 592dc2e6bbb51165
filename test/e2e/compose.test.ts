import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DescriptorEnv } from '../../descriptor/src/config.ts';
import { GatewayEnv } from '../../gateway/src/config.ts';
import { ValidatorEnv } from '../../validator/src/config.ts';
import { corpusAvailable, entryFiles, loadManifest, projectRoot } from '../support/corpus.ts';
import { getJson, upload } from '../support/gateway-calls.ts';
import { startService, type ServiceProcess } from '../support/services.ts';

/**
 * Docker cannot run here, so this starts the three services as docker-compose.yml would: each with the
 * environment its file gives it, interpolated from .env.example as compose interpolates from .env, plus
 * the image's ENV. Only what cannot exist on this machine is replaced: /data/... folders by a temporary
 * folder, the hostnames `validator` and `descriptor` by 127.0.0.1, and the ports by free ones. The bind
 * stays 0.0.0.0, so the services must refuse to start open unless the secrets arrive.
 */
const SERVICES = ['validator', 'descriptor', 'gateway'] as const;
type Service = (typeof SERVICES)[number];
const PORT_VARIABLE: Record<Service, string> = { validator: 'VALIDATOR_PORT', descriptor: 'DESCRIPTOR_PORT', gateway: 'GATEWAY_PORT' };

const read = (file: string): string => readFileSync(path.join(projectRoot, file), 'utf8');

/** Compose's interpolation: $$, $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}. */
function interpolate(value: string, vars: Record<string, string | undefined>): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (match, name, colon, op, arg, bare) => {
      if (match === '$$') return '$';
      if (bare) return vars[bare] ?? '';
      const current = vars[name as string];
      const unset = colon ? !current : current === undefined;
      if (op === '-') return unset ? (arg as string) : current!;
      if (op === '?') {
        if (unset) throw new Error(`compose would stop: ${name}: ${arg}`);
        return current!;
      }
      if (op === '+') return unset ? '' : (arg as string);
      return current ?? '';
    },
  );
}

/** Each service's container environment: the image's ENV, then its `environment:` (merge keys resolved). */
function composeEnvironments(dotenv: Record<string, string>): Record<Service, Record<string, string>> {
  const compose = parse(read('docker-compose.yml'), { merge: true }) as {
    services: Record<Service, { environment: Record<string, string | number> }>;
  };
  const runtimeStage = read('Dockerfile')
    .split(/^FROM /m)
    .at(-1)!;
  const imageEnv = Object.fromEntries([...runtimeStage.matchAll(/^ENV\s+(\w+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
  return Object.fromEntries(
    SERVICES.map((service) => {
      const environment = Object.entries(compose.services[service].environment).map(([key, value]) => [
        key,
        interpolate(String(value), dotenv),
      ]);
      return [service, { ...imageEnv, ...Object.fromEntries(environment) }];
    }),
  ) as Record<Service, Record<string, string>>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '0.0.0.0', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

describe('docker-compose.yml with .env.example', () => {
  const dotenv = parseEnv(read('.env.example')) as Record<string, string>;
  const environments = composeEnvironments(dotenv);

  it('when a secret is missing from .env, then compose stops before starting anything, as the services would', () => {
    const { INTERNAL_TOKEN: _token, ...withoutToken } = dotenv;
    expect(() => composeEnvironments(withoutToken)).toThrow(/INTERNAL_TOKEN/);
    const { GATEWAY_API_KEYS: _keys, ...withoutKeys } = dotenv;
    expect(() => composeEnvironments(withoutKeys)).toThrow(/GATEWAY_API_KEYS/);
  });

  it('when interpolated, then every service listens beyond loopback and carries the internal token', () => {
    for (const service of SERVICES) {
      expect(environments[service][`${service.toUpperCase()}_HOST`]).toBe('0.0.0.0');
      expect(environments[service].INTERNAL_TOKEN).toBe(dotenv.INTERNAL_TOKEN);
    }
    expect(environments.gateway.GATEWAY_API_KEYS).toBe(dotenv.GATEWAY_API_KEYS);
  });

  // Without the corpus (test/support/corpus.ts warns where it looked), there is no real file to upload.
  describe.skipIf(!corpusAvailable)('the three services started with that environment', () => {
    const running: Partial<Record<Service, ServiceProcess>> = {};
    let dir: string;
    const apiKey = dotenv.GATEWAY_API_KEYS!.split(',')[0]!.trim();

    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-compose-'));
      const ports = Object.fromEntries(await Promise.all(SERVICES.map(async (service) => [service, await freePort()]))) as Record<
        Service,
        number
      >;
      // Every variable a service reads is either the container's or unset: nothing leaks in from the test's own environment.
      const bindings = [...GatewayEnv, ...ValidatorEnv, ...DescriptorEnv].map((binding) => binding.env);
      const unset = Object.fromEntries([...bindings, 'NODE_ENV'].map((name) => [name, undefined]));
      for (const service of SERVICES) {
        const env: Record<string, string | undefined> = { ...unset };
        for (const [key, value] of Object.entries(environments[service])) {
          env[key] = value
            .replace(/^\/data\//, `${dir}/data/`)
            .replace(/^http:\/\/(validator|descriptor):\d+/, (_m, host: Service) => `http://127.0.0.1:${ports[host]}`);
        }
        env[PORT_VARIABLE[service]] = String(ports[service]);
        running[service] = await startService(service, env);
      }
    });
    afterAll(async () => {
      await Promise.all(Object.values(running).map((service) => service.stop()));
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('when a corpus file is uploaded with the API key of .env.example, then it is stored (201)', async () => {
      const entry =
        loadManifest().find((e) => e.path === 'valid/samples/CT_small.dcm') ??
        loadManifest().find((e) => e.expected === 'valid' && e.kind === 'file')!;
      const answer = await upload(running.gateway!.url, entryFiles(entry), '?wait=true', { 'x-api-key': apiKey });
      expect(answer.status, JSON.stringify(answer.body)).toBe(201);
      expect(answer.body).toMatchObject({ state: 'stored', outcome: { code: 'STORED' } });
    });

    it('when a client has no API key, or calls the validator without the token, then 401', async () => {
      const noKey = await upload(running.gateway!.url, [], '?wait=true');
      expect(noKey.status).toBe(401);
      expect((await getJson(`${running.validator!.url}/metrics`)).status).toBe(401);
    });

    it('when the gateway is asked /ready, then both siblings answer up through the URLs compose names', async () => {
      const ready = await getJson(`${running.gateway!.url}/ready`);
      expect(ready.body).toMatchObject({ ready: true, checks: { validator: 'up', descriptor: 'up' } });
    });
  });
});
