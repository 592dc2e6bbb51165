import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildOpenApi, type ApiDescription } from '../../src/index.ts';
import type { Body } from '../../../test/support/gateway-calls.ts';

const api: ApiDescription = {
  title: 't',
  description: 'd',
  auth: 'apiKey',
  routes: [
    {
      method: 'get',
      path: '/open',
      summary: 'open',
      open: true,
      responses: { 200: { description: 'ok', schema: z.object({ a: z.string() }) } },
    },
    {
      method: 'get',
      path: '/studies/:key/files/:file',
      summary: 'guarded',
      query: z.object({ wait: z.enum(['true', 'false']).optional(), limit: z.coerce.number().int() }),
      responses: { 200: { description: 'a file', contentType: 'application/dicom' } },
    },
  ],
};

describe('buildOpenApi', () => {
  const document = buildOpenApi(api, '1.2.3') as Body;

  it('when a route has express parameters, then its path names them in braces and lists each as a required path parameter', () => {
    const operation = document.paths['/studies/{key}/files/{file}'].get;
    expect(operation.parameters.filter((p: Body) => p.in === 'path')).toEqual([
      { name: 'key', in: 'path', required: true, schema: { type: 'string' } },
      { name: 'file', in: 'path', required: true, schema: { type: 'string' } },
    ]);
  });

  it('when a query parameter may be left out, then it is not required; one that may not, is', () => {
    const query = document.paths['/studies/{key}/files/{file}'].get.parameters.filter((p: Body) => p.in === 'query');
    expect(query.map((p: Body) => [p.name, p.required])).toEqual([
      ['wait', false],
      ['limit', true],
    ]);
  });

  it('when a route is guarded, then it lists 401 with the error envelope; an open one has no security and no 401', () => {
    const guarded = document.paths['/studies/{key}/files/{file}'].get;
    expect(guarded.responses['401'].content['application/json'].schema.required).toEqual(['error', 'requestId']);
    expect(guarded.responses['200'].content).toEqual({ 'application/dicom': {} });
    const open = document.paths['/open'].get;
    expect(open.security).toEqual([]);
    expect(open.responses['401']).toBeUndefined();
    expect(open.responses['200'].content['application/json'].schema).toMatchObject({ type: 'object', required: ['a'] });
  });

  it('when built, then it is OpenAPI 3.1 with the version and the security scheme of the API', () => {
    expect(document).toMatchObject({ openapi: '3.1.0', info: { version: '1.2.3' }, security: [{ apiKey: [] }] });
    expect(document.components.securitySchemes.apiKey).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-API-Key' });
  });
});
