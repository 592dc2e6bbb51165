import { z } from 'zod';

/** The error envelope every error answer carries (error-handler.ts). */
export const ErrorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() }),
  requestId: z.string(),
});

export interface ApiResponse {
  description: string;
  /** The body's schema; absent: a body the schema language does not describe (a file, text). */
  schema?: z.ZodType;
  /** 'application/json' unless said. */
  contentType?: string;
}

/** The 415 of a route that takes application/json or multipart/form-data (json-or-multipart.ts). */
export const JsonOrMultipartRefused: ApiResponse = {
  description: 'UNSUPPORTED_MEDIA_TYPE: neither application/json nor multipart/form-data',
  schema: ErrorBodySchema,
};

export interface ApiBody {
  contentType: string;
  schema?: z.ZodType;
  description?: string;
}

/** One route of a service, as /openapi.json describes it and test/docs/openapi.test.ts calls it. */
export interface ApiRoute {
  method: 'get' | 'post';
  /** The express pattern, e.g. '/studies/:key'. */
  path: string;
  summary: string;
  /** The query parameters a caller may send (each optional unless its schema refuses undefined). */
  query?: z.ZodObject;
  /** The accepted bodies, by media type. */
  body?: readonly ApiBody[];
  responses: Readonly<Record<number, ApiResponse>>;
  /** Open to every caller, like /health; otherwise behind the service's guard (401 without its secret). */
  open?: boolean;
}

export interface ApiDescription {
  title: string;
  description: string;
  /** How the guarded routes are called: the gateway's API keys, or the internal token of the siblings. */
  auth: 'apiKey' | 'internalToken';
  routes: readonly ApiRoute[];
}

/** JSON Schema 2020-12 (OpenAPI 3.1's dialect), without the $schema key that OpenAPI does not want inline. */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output' = 'output'): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return rest;
}

const content = (contentType: string, schema: z.ZodType | undefined, io: 'input' | 'output') => ({
  [contentType]: schema ? { schema: jsonSchemaOf(schema, io) } : {},
});

/** '/studies/:key/files/:file' → '/studies/{key}/files/{file}' and its parameter names. */
export function openApiPath(pattern: string): { path: string; parameters: string[] } {
  const parameters: string[] = [];
  const path = pattern.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_m, name: string) => {
    parameters.push(name);
    return `{${name}}`;
  });
  return { path, parameters };
}

/** The OpenAPI 3.1 document of a service: its routes, each error as the one error envelope. */
export function buildOpenApi(api: ApiDescription, version: string): Record<string, unknown> {
  const error = {
    description: 'An error: its code is one of the error table (docs/errors.md)',
    content: content('application/json', ErrorBodySchema, 'output'),
  };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of api.routes) {
    const { path, parameters } = openApiPath(route.path);
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(route.responses)) {
      responses[status] = {
        description: response.description,
        content: content(response.contentType ?? 'application/json', response.schema, 'output'),
      };
    }
    if (!route.open) responses['401'] = { ...error, description: 'UNAUTHORIZED: the secret is missing or wrong' };
    responses.default = error;
    const query = Object.entries(route.query?.shape ?? {}).map(([name, schema]) => ({
      name,
      in: 'query',
      required: !(schema as z.ZodType).safeParse(undefined).success,
      schema: jsonSchemaOf(schema as z.ZodType, 'output'),
    }));
    paths[path] ??= {};
    paths[path][route.method] = {
      summary: route.summary,
      parameters: [...parameters.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })), ...query],
      ...(route.body
        ? {
            requestBody: {
              required: true,
              content: Object.assign({}, ...route.body.map((b) => content(b.contentType, b.schema, 'input'))),
            },
          }
        : {}),
      responses,
      ...(route.open ? { security: [] } : {}),
    };
  }
  const scheme =
    api.auth === 'apiKey'
      ? {
          apiKey: {
            type: 'apiKey',
            in: 'header',
            name: 'X-API-Key',
            description: 'One of GATEWAY_API_KEYS; Authorization: Bearer <key> works too',
          },
        }
      : { internalToken: { type: 'http', scheme: 'bearer', description: 'INTERNAL_TOKEN, shared by the three services' } };
  return {
    openapi: '3.1.0',
    info: { title: api.title, version, description: api.description },
    paths,
    components: { securitySchemes: scheme },
    security: [{ [api.auth]: [] }],
  };
}
