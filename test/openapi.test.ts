/**
 * The OpenAPI document is complete: every route the app registers is in `/openapi.json` with the
 * same method, unless it is listed below with the reason it is not an API operation; every
 * operation has a summary and the error answers that can happen to it; every example validates
 * against its schema (ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses).
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/api/app.js';
import { createTestDatabase, type TestDatabase } from './support/databases.js';
import { testApp } from './support/app.js';

// ajv-formats is CommonJS: its default export arrives wrapped under ESM
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv2020) => Ajv2020;

/** Routes that are not API operations, each with why. Everything under /api/ must be documented. */
const NOT_API: Record<string, string> = {
  'GET /healthz': 'liveness probe for load balancers, not part of the API contract',
  'GET /metrics': 'Prometheus exposition text for the scraper, described in the README',
  'GET /openapi.json': 'the OpenAPI document itself',
  'GET /docs': 'Swagger UI, an HTML page over /openapi.json',
  'GET /unsubscribe/:token': 'one-click unsubscribe link inside e-mails (RFC 8058); the token is the authorisation',
  'POST /unsubscribe/:token': 'the RFC 8058 one-click POST that mail clients send to the same link',
  'GET /digests': 'web page (HTML form) for people',
  'GET /': 'web page: notice list for people',
  'GET /notices/:id': 'web page: one notice',
  'POST /notices/:id/summary': 'web form post behind the browser session, not an API client call',
  'GET /sources': 'web page: sources',
  'GET /subscriptions': 'web page: subscriptions',
  'POST /subscriptions': 'web form post',
  'POST /subscriptions/:id/status': 'web form post',
  'POST /subscriptions/:id/delete': 'web form post',
  'POST /subscriptions/:id/test': 'web form post',
  'GET /session': 'web page: enter an API key for the browser session',
  'POST /session': 'web form post: keeps the key in an HttpOnly cookie',
  'POST /session/logout': 'web form post: forgets the cookie',
};

/** Path parameters that name no stored thing, so they cannot be a 404. */
const COMPUTED_PATH_PARAMS: Record<string, string> = {
  week: 'every ISO week has a digest (maybe empty); a malformed week is a 400',
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** `/api/notices/:id` (Hono) → `/api/notices/{id}` (OpenAPI). */
const toOpenApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

describe('OpenAPI document', () => {
  let t: TestDatabase;
  let app: ReturnType<typeof createApp>;
  let document: any;

  beforeAll(async () => {
    t = await createTestDatabase('pglite');
    app = await testApp(t.db, {
      access: { readAuth: true, rateLimitPerMinute: 600, trustProxy: false },
    });
    const res = await app.request('/openapi.json');
    expect(res.status).toBe(200);
    document = await res.json();
  });
  afterAll(async () => {
    await t?.close();
  });

  const operations = () =>
    Object.entries<any>(document.paths).flatMap(([path, item]) =>
      METHODS.filter((m) => item[m]).map((method) => ({ path, method, operation: item[method], where: `${method.toUpperCase()} ${path}` })),
    );

  it('has every registered route, with its method, unless it is listed as not an API operation', () => {
    const registered = new Set<string>();
    for (const route of app.routes) {
      if (route.method === 'ALL') continue; // middleware (request ids, logs, the /api access gate)
      if (route.method === 'HEAD' || route.method === 'OPTIONS') continue; // answered by Hono for GET routes / CORS, not operations
      registered.add(`${route.method} ${route.path}`);
    }
    expect(registered.size).toBeGreaterThan(20);
    const missing: string[] = [];
    for (const key of registered) {
      const [method, path] = key.split(' ') as [string, string];
      const documented = document.paths[toOpenApiPath(path)]?.[method.toLowerCase()];
      if (path.startsWith('/api/')) {
        if (!documented) missing.push(`${key} (every /api route must be documented)`);
      } else if (!documented && !(key in NOT_API)) {
        missing.push(`${key} (document it, or add it to NOT_API with the reason)`);
      }
    }
    expect(missing).toEqual([]);
    // and nothing documented that the app does not serve
    const served = new Set([...registered].map((k) => { const [m, p] = k.split(' '); return `${m} ${toOpenApiPath(p!)}`; }));
    expect(operations().map((o) => o.where).filter((w) => !served.has(w))).toEqual([]);
    // the exclusion list names only routes that exist
    expect(Object.keys(NOT_API).filter((k) => !registered.has(k))).toEqual([]);
  });

  it('gives every operation a summary and the error answers that apply to it', () => {
    const problems: string[] = [];
    for (const { path, operation, where } of operations()) {
      if (!operation.summary?.trim()) problems.push(`${where}: no summary`);
      const codes = Object.keys(operation.responses ?? {});
      const params: any[] = operation.parameters ?? [];
      const need: string[] = [];
      if (params.some((p) => p.in === 'query') || operation.requestBody) need.push('400'); // the validation hook
      if (params.some((p) => p.in === 'path' && !(p.name in COMPUTED_PATH_PARAMS))) need.push('404'); // an id of a stored thing
      if (path.startsWith('/api/')) need.push('401', '429'); // the access gate in front of /api/*
      for (const code of need) if (!codes.includes(code)) problems.push(`${where}: no ${code} response`);
      for (const code of codes.filter((c) => c >= '400')) {
        const content = operation.responses[code].content ?? {};
        if (!content['application/problem+json']) problems.push(`${where}: ${code} is not problem+json`);
      }
      if (codes.includes('429') && !operation.responses['429'].headers?.['Retry-After']) problems.push(`${where}: 429 without Retry-After`);
    }
    expect(problems).toEqual([]);
    expect(document.components.schemas.Problem.properties.request_id).toMatchObject({ type: 'string' });
  });

  it('answers 401 without a key on every API operation when reads need one, as documented', async () => {
    for (const { path, method, where } of operations().filter((o) => o.path.startsWith('/api/'))) {
      const res = await app.request(path.replace(/\{[^}]+\}/g, 'x'), { method: method.toUpperCase() });
      expect(res.status, where).toBe(401);
      expect(res.headers.get('www-authenticate'), where).toBe('Bearer realm="cpt"');
    }
  });

  it('has examples that validate against their schemas', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true, logger: false });
    addFormats(ajv);
    ajv.addSchema({ ...document, $id: 'openapi.json' });
    const failures: string[] = [];
    let checked = 0;
    const check = (schemaPointer: string, example: unknown, at: string) => {
      checked++;
      const validate = ajv.getSchema(`openapi.json#${schemaPointer}`) ?? ajv.compile({ $ref: `openapi.json#${schemaPointer}` });
      if (!validate(example)) failures.push(`${at}: ${JSON.stringify(example)} — ${ajv.errorsText(validate.errors)}`);
    };
    const escape = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');
    const walk = (node: unknown, pointer: string) => {
      if (Array.isArray(node)) return node.forEach((v, i) => walk(v, `${pointer}/${i}`));
      if (!node || typeof node !== 'object') return;
      const obj = node as Record<string, unknown>;
      if ('example' in obj) {
        // a parameter or media type carries its schema beside the example; a schema is its own
        check('schema' in obj ? `${pointer}/schema` : pointer, obj.example, pointer);
      }
      if (Array.isArray(obj.examples) && !('schema' in obj)) obj.examples.forEach((e, i) => check(pointer, e, `${pointer}/examples/${i}`));
      for (const [key, value] of Object.entries(obj)) if (key !== 'example' && key !== 'examples') walk(value, `${pointer}/${escape(key)}`);
    };
    walk(document.paths, '/paths');
    walk(document.components, '/components');
    expect(checked).toBeGreaterThan(3);
    expect(failures).toEqual([]);
  });
});
