import { createHash } from 'node:crypto';
import { openAsBlob, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescriptorApi, describeServiceApi, GatewayApi, ValidatorApi, type ApiDescription } from '../../common/src/index.ts';
import { corpusAvailable, entryFiles, loadManifest } from '../support/corpus.ts';
import type { Body } from '../support/gateway-calls.ts';
import { startStack, type Stack } from '../support/services.ts';

/**
 * Every route of every service's /openapi.json is called on the real services, with the secret and
 * without it: each answer's status must be one the document lists for that route, and its body must
 * validate against the schema the document gives for that status. A route added to the table without a
 * call here fails the test, and so does a call of a route the table does not describe.
 */
type Service = 'gateway' | 'validator' | 'descriptor';
const APIS: Record<Service, ApiDescription> = { gateway: GatewayApi, validator: ValidatorApi, descriptor: DescriptorApi };
const API_KEY = 'openapi-test-api-key-0001';

interface Call {
  method: 'get' | 'post';
  /** The route's pattern, as the table names it. */
  route: string;
  /** The URL path (and query) called. */
  url: string;
  /** FormData goes as multipart/form-data, a string as it is (with its content-type in `headers`), an object as JSON. */
  body?: () => Promise<FormData | string | object>;
  headers?: Record<string, string>;
}

interface Answer {
  status: number;
  contentType: string;
  body: unknown;
}

const ajv = new Ajv2020({ strict: false, validateFormats: false });

async function call(base: string, c: Call, secret: Record<string, string>): Promise<Answer> {
  const body = c.body ? await c.body() : undefined;
  const json = body !== undefined && !(body instanceof FormData) && typeof body !== 'string';
  const response = await fetch(`${base}${c.url}`, {
    method: c.method.toUpperCase(),
    headers: { ...secret, ...c.headers, ...(json ? { 'content-type': 'application/json' } : {}) },
    ...(body === undefined ? {} : { body: json ? JSON.stringify(body) : (body as FormData | string) }),
  });
  const contentType = response.headers.get('content-type') ?? '';
  const raw = await response.arrayBuffer();
  return {
    status: response.status,
    contentType,
    body: contentType.startsWith('application/json') ? JSON.parse(Buffer.from(raw).toString('utf8')) : raw,
  };
}

/** The document's response for this answer, or why there is none; then the body against its schema. */
function checkAgainst(document: Body, c: Call, answer: Answer): string[] {
  const operation = document.paths[c.route.replace(/:(\w+)/g, '{$1}')]?.[c.method];
  if (!operation) return [`${c.method} ${c.route} is not in the document`];
  const described = operation.responses[String(answer.status)];
  if (!described)
    return [
      `${c.method} ${c.url} answered ${answer.status}, which is not described (${Object.keys(operation.responses).join(', ')}): ${JSON.stringify(answer.body).slice(0, 300)}`,
    ];
  const [mediaType, media] = Object.entries(described.content as Record<string, { schema?: object }>)[0]!;
  if (!answer.contentType.startsWith(mediaType))
    return [`${c.method} ${c.url} ${answer.status}: content-type ${answer.contentType}, described ${mediaType}`];
  if (!media.schema) return [];
  const validate = ajv.compile(media.schema);
  return validate(answer.body)
    ? []
    : [`${c.method} ${c.url} ${answer.status}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(answer.body).slice(0, 400)}`];
}

describe.skipIf(!corpusAvailable)('GET /openapi.json of each service, against the services themselves', () => {
  let stack: Stack;
  const found: { id: string; uid: string; file: string; report?: unknown; request?: unknown } = { id: '', uid: '', file: '' };
  let calls: Record<Service, Call[]>;
  const sample = () => {
    const manifest = loadManifest();
    return entryFiles(
      manifest.find((e) => e.path === 'valid/samples/CT_small.dcm') ?? manifest.find((e) => e.expected === 'valid' && e.kind === 'file')!,
    );
  };
  /** The sample as a client sends it, or (storedNames) as the gateway sends it on: 0001.dcm, …; `fields` first. */
  const form = async (options: { storedNames?: boolean; fields?: Record<string, string> } = {}) => {
    const data = new FormData();
    for (const [name, value] of Object.entries(options.fields ?? {})) data.append(name, value);
    for (const [index, file] of sample().entries()) {
      data.append('files', await openAsBlob(file), options.storedNames ? `${String(index + 1).padStart(4, '0')}.dcm` : path.basename(file));
    }
    return data;
  };

  /** A staged file as the gateway names it by reference: its stored name, size and digest. */
  const fileReference = (file: string, index: number) => {
    const bytes = readFileSync(file);
    return {
      file: `${String(index + 1).padStart(4, '0')}.dcm`,
      clientName: path.basename(file),
      sizeBytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    };
  };

  beforeAll(async () => {
    stack = await startStack({ GATEWAY_API_KEYS: API_KEY });
    // One stored delivery, for the routes that read one.
    const response = await fetch(`${stack.gateway.url}/upload?wait=true`, {
      method: 'POST',
      body: await form(),
      headers: { 'x-api-key': API_KEY },
    });
    const status = (await response.json()) as Body;
    expect(response.status, JSON.stringify(status)).toBe(201);
    found.id = status.id;
    found.uid = status.study.StudyInstanceUID;
    const study = (await (await fetch(`${stack.gateway.url}/studies/${found.uid}`, { headers: { 'x-api-key': API_KEY } })).json()) as Body;
    found.file = study.files[0].SOPInstanceUID ?? study.files[0].file;
    const studyRoutes = (prefix: string): Call[] =>
      [
        { method: 'get', route: '/studies', url: '/studies' },
        { method: 'get', route: '/studies/:key', url: `/studies/${found.uid}` },
        { method: 'get', route: '/studies/:key/metadata', url: `/studies/${found.id}/metadata` },
        { method: 'get', route: '/studies/:key/validation', url: `/studies/${found.uid}/validation` },
        { method: 'get', route: '/studies/:key/files/:file', url: `/studies/${found.uid}/files/${found.file}` },
        {
          method: 'get',
          route: '/studies/:key/files/:file',
          url: `/studies/${found.uid}/files/${found.file}`,
          headers: { range: 'bytes=0-127' },
        },
      ].map((c) => ({ ...c, url: `${prefix}${c.url}` }) as Call);
    const skeleton: Call[] = ['/health', '/ready', '/metrics', '/openapi.json'].map((route) => ({ method: 'get', route, url: route }));
    /** A route that takes JSON or multipart, sent text: its documented 415. */
    const notJsonNorMultipart = (route: string): Call => ({
      method: 'post',
      route,
      url: route,
      body: async () => 'hello',
      headers: { 'content-type': 'text/plain' },
    });
    const describeRequest = async () => {
      // What the gateway sent for that delivery: its report, from the validator, and its one file.
      const report = await (
        await fetch(`${stack.validator.url}/v1/validations`, {
          method: 'POST',
          body: await form({ storedNames: true }),
          headers: { authorization: `Bearer ${stack.env.validator.INTERNAL_TOKEN}`, 'x-study-id': found.id },
        })
      ).json();
      return {
        studyId: found.id,
        disposition: 'stored',
        receivedAt: new Date().toISOString(),
        files: sample().map((file, index) => fileReference(file, index)),
        report,
      };
    };
    calls = {
      gateway: [
        ...skeleton,
        { method: 'post', route: '/upload', url: '/upload', body: () => form() },
        { method: 'post', route: '/upload', url: '/upload?wait=true', body: () => form() },
        { method: 'post', route: '/upload', url: '/upload?wait=true', body: async () => new FormData() },
        { method: 'get', route: '/status', url: '/status' },
        { method: 'get', route: '/status/:id', url: `/status/${found.id}` },
        { method: 'get', route: '/events', url: '/events' },
        { method: 'post', route: '/studies/:id/retry', url: `/studies/${found.id}/retry` },
        ...studyRoutes(''),
      ],
      validator: [
        ...skeleton,
        {
          method: 'post',
          route: '/v1/validations',
          url: '/v1/validations',
          body: () => form({ storedNames: true }),
          headers: { 'x-study-id': ulid() },
        },
        {
          method: 'post',
          route: '/v1/validations',
          url: '/v1/validations',
          body: async () => ({ studies: [{ studyId: ulid(), correlationId: 'c', files: ['0001.dcm'] }] }),
        },
        notJsonNorMultipart('/v1/validations'),
        { method: 'post', route: '/v1/study-checks', url: '/v1/study-checks', body: async () => ({ instances: [] }) },
      ],
      descriptor: [
        ...skeleton,
        {
          method: 'post',
          route: '/v1/deliveries',
          url: '/v1/deliveries',
          body: async () => ({ studies: [{ correlationId: 'c', request: await describeRequest() }] }),
        },
        {
          method: 'post',
          route: '/v1/deliveries',
          url: '/v1/deliveries',
          // The request part, then the files: the delivery stored above, so answered as a retry.
          body: async () => form({ storedNames: true, fields: { request: JSON.stringify(await describeRequest()) } }),
        },
        notJsonNorMultipart('/v1/deliveries'),
        { method: 'get', route: '/v1/studies/:uid/instances', url: `/v1/studies/${found.uid}/instances` },
        {
          method: 'post',
          route: '/v1/studies/:uid/stable',
          url: `/v1/studies/${found.uid}/stable`,
          body: async () => ({ correlationId: 'c', lastDeliveryId: found.id, errors: [], warnings: [] }),
        },
        ...studyRoutes(''),
      ],
    };
  });
  afterAll(() => stack?.stop());

  const secretOf = (service: Service): Record<string, string> =>
    service === 'gateway' ? { 'x-api-key': API_KEY } : { authorization: `Bearer ${stack.env[service].INTERNAL_TOKEN}` };

  describe.each(['gateway', 'validator', 'descriptor'] as const)('the %s', (service) => {
    it('when /openapi.json is asked, then it is OpenAPI 3.1 with every route of its table and its version', async () => {
      const answer = await call(stack[service].url, { method: 'get', route: '/openapi.json', url: '/openapi.json' }, secretOf(service));
      const document = answer.body as Body;
      expect(document.openapi).toBe('3.1.0');
      expect(document.info.version).toMatch(/^\d+\.\d+\.\d+/);
      const described = describeServiceApi(APIS[service], { metrics: true }).routes.map((r) => `${r.method} ${r.path}`);
      const listed = Object.entries(document.paths as Record<string, object>).flatMap(([p, ops]) =>
        Object.keys(ops).map((m) => `${m} ${p.replace(/\{(\w+)\}/g, ':$1')}`),
      );
      expect(listed.sort()).toEqual(described.sort());
    });

    it('when every route is called with the secret, then each answers a status and a body its description lists', async () => {
      const document = (await call(stack[service].url, { method: 'get', route: '/openapi.json', url: '/openapi.json' }, secretOf(service)))
        .body as Body;
      const routes = describeServiceApi(APIS[service], { metrics: true }).routes;
      const uncalled = routes
        .filter((r) => !calls[service].some((c) => c.method === r.method && c.route === r.path))
        .map((r) => `${r.method} ${r.path}`);
      expect(uncalled, 'routes of the table that this test does not call').toEqual([]);
      const problems: string[] = [];
      for (const c of calls[service]) problems.push(...checkAgainst(document, c, await call(stack[service].url, c, secretOf(service))));
      expect(problems).toEqual([]);
    });

    it('when the guarded routes are called without the secret, then each answers the documented 401', async () => {
      const document = (await call(stack[service].url, { method: 'get', route: '/openapi.json', url: '/openapi.json' }, secretOf(service)))
        .body as Body;
      const guarded = describeServiceApi(APIS[service], { metrics: true }).routes.filter((r) => !r.open);
      const problems: string[] = [];
      for (const route of guarded) {
        const c = calls[service].find((x) => x.method === route.method && x.route === route.path)!;
        const answer = await call(stack[service].url, { ...c, body: undefined }, {});
        if (answer.status !== 401) problems.push(`${c.method} ${c.url} answered ${answer.status} without the secret`);
        else problems.push(...checkAgainst(document, c, answer));
      }
      expect(problems).toEqual([]);
    });
  });
});
