/**
 * API operations (both databases): API keys made, listed and revoked by the real `cpt keys` CLI
 * against a database this process serves (as `cpt serve` does), then used over HTTP; read
 * authentication; the per-client rate limit over loopback; request ids; the access log; `/metrics`.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { serve, type ServerType } from '@hono/node-server';
import type { Kysely } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOURCES } from '../scrapers/index.js';
import { apiKeyAuthenticator } from '../src/api/api-keys.js';
import type { ScrapeLauncher } from '../src/api/app-deps.js';
import { createApp } from '../src/api/app.js';
import { type ApiAccess, parseApiKeys } from '../src/config.js';
import { openDatabase } from '../src/db/client.js';
import { prepareStore } from '../src/db/prepare-store.js';
import type { Database } from '../src/db/schema.js';
import { loadIssuerDirectory } from '../src/issuers/issuer.repository.js';
import { runCli, startServer, testEnv } from './support/cli.js';
import { createTestDatabase, describeEachDatabase } from './support/databases.js';
import { ingestScraped, scrapedFromArchive } from './support/notices.js';

const ENV_KEYS = 'ops-env:0123456789abcdef0123';
const ENV_KEY = ENV_KEYS.split(':')[1]!;
const ELECTRICITY = 'https://www.gov.cn/zhengce/zhengceku/2020-06/28/content_5522280.htm';

interface Store {
  db: Kysely<Database>;
  /** Environment of CLI commands that reach the same database. */
  env: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

/** PGlite: a DATA_DIR this process owns and shares over its socket, as `cpt serve` does. */
async function openStore(kind: 'pglite' | 'postgres'): Promise<Store> {
  if (kind === 'postgres') {
    const t = await createTestDatabase('postgres');
    return { db: t.db, env: testEnv({ DATABASE_URL: t.url!, CPT_API_KEYS: ENV_KEYS }), close: () => t.close() };
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'cpt-ops-'));
  const handle = await openDatabase({ dataDir, role: 'server', command: 'api-ops test', share: true });
  await prepareStore(handle.db, SOURCES);
  return {
    db: handle.db,
    env: testEnv({ DATA_DIR: dataDir, CPT_API_KEYS: ENV_KEYS }),
    close: async () => {
      await handle.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

/** A GET from a chosen loopback address (127.0.0.2 is another client than 127.0.0.1). */
function getFrom(localAddress: string, url: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { localAddress, headers }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v);
        resolve({ status: res.statusCode!, headers: h, body: text ? JSON.parse(text) : null });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

function listen(app: ReturnType<typeof createApp>): Promise<{ url: string; server: ServerType }> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve({ url: `http://127.0.0.1:${info.port}`, server }));
  });
}

const closeServer = (server: ServerType) => new Promise<void>((resolve) => server.close(() => resolve()));

/** `name{a="1",b="2"} value` lines → value by `name{labels sorted}`. */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a metrics line: ${line}`);
    const labels = m[2] ? [...m[2].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((l) => `${l[1]}="${l[2]}"`).sort() : [];
    const value = Number(m[3]!.replace('+Inf', 'Infinity'));
    if (Number.isNaN(value) && m[3] !== 'NaN') throw new Error(`not a number: ${line}`);
    out.set(`${m[1]}{${labels.join(',')}}`, value);
  }
  return out;
}

describeEachDatabase('API operations', (kind) => {
  let store: Store;
  let directory: Awaited<ReturnType<typeof loadIssuerDirectory>>;
  const launcher: ScrapeLauncher = { start: () => true };

  const makeApp = (access?: ApiAccess, logger?: pino.Logger) =>
    createApp(
      {
        db: store.db,
        sources: SOURCES,
        directory: () => directory,
        authenticate: apiKeyAuthenticator(store.db, parseApiKeys(ENV_KEYS)),
        ...(access ? { access } : {}),
        scrapes: launcher,
        version: 'test',
      },
      logger ? { logger } : {},
    );

  beforeAll(async () => {
    store = await openStore(kind);
    await ingestScraped(store.db, scrapedFromArchive('02', ELECTRICITY));
    directory = await loadIssuerDirectory(store.db);
  });
  afterAll(async () => {
    await store?.close();
  });

  it('makes, lists and revokes keys with the CLI; the API accepts a key until it is revoked', async () => {
    const app = makeApp();
    const created = await runCli(['keys', 'create', 'analyst-lee'], store.env);
    expect(created.stderr).toMatch(/created API key "analyst-lee" \(cpt_[\w-]{8}…\); it is shown only now/);
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^cpt_[A-Za-z0-9_-]{43}$/);

    // only the hash and a prefix are stored
    const row = await store.db.selectFrom('api_keys').selectAll().where('name', '=', 'analyst-lee').executeTakeFirstOrThrow();
    expect(row.key_hash).toBe(createHash('sha256').update(key).digest('hex'));
    expect(row.prefix).toBe(key.slice(0, 12));
    expect(JSON.stringify(row)).not.toContain(key);
    expect(row.last_used_at).toBeNull();

    const duplicate = await runCli(['keys', 'create', 'analyst-lee'], store.env);
    expect(duplicate.code).toBe(2);
    expect(duplicate.stderr).toMatch(/an active key is already named "analyst-lee"/);
    expect((await runCli(['keys', 'create', 'ops-env'], store.env)).code).toBe(2); // a CPT_API_KEYS name
    expect((await runCli(['keys', 'create', 'no spaces'], store.env)).code).toBe(2);

    const scrape = (auth?: string) => app.request('/api/sources/gov-cn/scrape', { method: 'POST', headers: auth ? { authorization: `Bearer ${auth}` } : {} });
    expect((await scrape(key)).status).toBe(202);
    expect((await scrape(ENV_KEY)).status).toBe(202);
    expect((await scrape()).status).toBe(401);
    expect((await scrape(`${key.slice(0, -1)}x`)).status).toBe(401);

    // the key's name is what the API records as the author
    const subscription = await app.request('/api/subscriptions', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: { type: 'email', to: 'lee@example.com' } }),
    });
    expect(subscription.status).toBe(201);
    expect(((await subscription.json()) as any).created_by).toBe('analyst-lee');

    // last use recorded, at most once a minute
    const used = await store.db.selectFrom('api_keys').select('last_used_at').where('name', '=', 'analyst-lee').executeTakeFirstOrThrow();
    expect(used.last_used_at).not.toBeNull();
    expect((await scrape(key)).status).toBe(202);
    const again = await store.db.selectFrom('api_keys').select('last_used_at').where('name', '=', 'analyst-lee').executeTakeFirstOrThrow();
    expect(new Date(again.last_used_at!).getTime()).toBe(new Date(used.last_used_at!).getTime());

    const list = await runCli(['keys', 'list'], store.env);
    expect(list.code).toBe(0);
    expect(list.stdout).not.toContain(key);
    expect(list.stdout).toMatch(new RegExp(`analyst-lee\\s+${key.slice(0, 12).replace(/[-]/g, '\\-')}…\\s+\\d{4}-\\d\\d-\\d\\dT\\S+\\s+\\d{4}-\\d\\d-\\d\\dT\\S+\\s+active`));
    expect(list.stdout).toContain('CPT_API_KEYS (environment, not listed above): ops-env');

    const revoked = await runCli(['keys', 'revoke', 'analyst-lee'], store.env);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`revoked API key "analyst-lee" (${key.slice(0, 12)}…)`);
    const refused = await scrape(key);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="cpt"');
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await refused.json()) as any).detail).toBe('the API key is not valid');
    expect((await scrape(ENV_KEY)).status).toBe(202);

    const unknown = await runCli(['keys', 'revoke', 'analyst-lee'], store.env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no active key named "analyst-lee"/);

    // the name is free again; the revoked key stays listed as revoked
    const renewed = await runCli(['keys', 'create', 'analyst-lee'], store.env);
    expect(renewed.code).toBe(0);
    expect((await scrape(renewed.stdout.trim())).status).toBe(202);
    expect((await scrape(key)).status).toBe(401);
    const json = JSON.parse((await runCli(['keys', 'list', '--json'], store.env)).stdout) as any[];
    expect(json.filter((k) => k.name === 'analyst-lee').map((k) => k.revoked_at === null).sort()).toEqual([false, true]);
    expect(Object.keys(json[0]).sort()).toEqual(['created_at', 'last_used_at', 'name', 'prefix', 'revoked_at']);
  }, 240_000); // seven CLI runs, each opening the store: slow on a busy 2-core machine

  it('CPT_READ_AUTH=1 closes every API read and /metrics; health, docs and the OpenAPI document stay public', async () => {
    const closed = makeApp({ readAuth: true, rateLimitPerMinute: 0, trustProxy: false });
    const open = makeApp();
    const auth = { authorization: `Bearer ${ENV_KEY}` };
    for (const path of ['/api/notices', '/api/sources', '/api/sectors', '/api/issuers', '/metrics']) {
      const refused = await closed.request(path);
      expect(refused.status, path).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="cpt"');
      expect(((await refused.json()) as any).detail).toMatch(/CPT_READ_AUTH=1/);
      expect((await closed.request(path, { headers: auth })).status, path).toBe(200);
      expect((await open.request(path)).status, path).toBe(200);
    }
    for (const path of ['/healthz', '/docs', '/openapi.json']) expect((await closed.request(path)).status, path).toBe(200);
    // a key that is not valid is refused even where none is needed
    expect((await open.request('/api/notices', { headers: { authorization: 'Bearer not-a-valid-key-at-all' } })).status).toBe(401);
    expect((await open.request('/api/notices', { headers: { authorization: 'Basic abc' } })).status).toBe(401);

    const document = (await (await closed.request('/openapi.json')).json()) as any;
    expect(document.paths['/api/notices'].get.responses['401'].description).toMatch(/CPT_READ_AUTH=1/);
    expect(document.paths['/api/notices'].get.security).toEqual([{ bearerAuth: [] }]);
    const openDocument = (await (await open.request('/openapi.json')).json()) as any;
    expect(openDocument.paths['/api/notices'].get.security).toEqual([{ bearerAuth: [] }, {}]);
  });

  it('limits each client per minute: 429 with Retry-After, while other clients go on', async () => {
    const app = makeApp({ readAuth: false, rateLimitPerMinute: 3, trustProxy: false });
    const { url, server } = await listen(app);
    try {
      const remaining: string[] = [];
      for (let i = 0; i < 3; i++) {
        const ok = await getFrom('127.0.0.1', `${url}/api/sectors`, { 'x-forwarded-for': `203.0.113.${i}` });
        expect(ok.status).toBe(200);
        expect(ok.headers.get('ratelimit-limit')).toBe('3');
        remaining.push(ok.headers.get('ratelimit-remaining')!);
      }
      expect(remaining).toEqual(['2', '1', '0']);
      // X-Forwarded-For is not trusted: a new value is still the same client
      const limited = await getFrom('127.0.0.1', `${url}/api/sectors`, { 'x-forwarded-for': '198.51.100.7' });
      expect(limited.status).toBe(429);
      expect(limited.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const retryAfter = Number(limited.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(limited.headers.get('ratelimit-remaining')).toBe('0');
      expect(limited.body).toMatchObject({ status: 429, title: 'Too Many Requests', instance: '/api/sectors' });
      expect(limited.body.detail).toMatch(/more than 3 requests a minute/);
      expect(limited.body.request_id).toBe(limited.headers.get('x-request-id'));

      // another address, and a client with a key (counted by its name), are not affected
      expect((await getFrom('127.0.0.2', `${url}/api/sectors`)).status).toBe(200);
      expect((await getFrom('127.0.0.1', `${url}/api/sectors`, { authorization: `Bearer ${ENV_KEY}` })).status).toBe(200);
      // pages outside /api are not limited
      expect((await getFrom('127.0.0.1', `${url}/healthz`)).status).toBe(200);
      expect((await getFrom('127.0.0.1', `${url}/api/sectors`)).status).toBe(429);
    } finally {
      await closeServer(server);
    }

    // behind a proxy (CPT_TRUST_PROXY=1) the last X-Forwarded-For entry is the client
    const proxied = makeApp({ readAuth: false, rateLimitPerMinute: 1, trustProxy: true });
    const behind = await listen(proxied);
    try {
      const as = (ip: string) => getFrom('127.0.0.1', `${behind.url}/api/sectors`, { 'x-forwarded-for': `10.9.9.9, ${ip}` });
      expect((await as('198.51.100.1')).status).toBe(200);
      expect((await as('198.51.100.1')).status).toBe(429);
      expect((await as('198.51.100.2')).status).toBe(200);
    } finally {
      await closeServer(behind.server);
    }

    // without a Node socket (Cloudflare Workers) the platform's CF-Connecting-IP is the client
    const worker = makeApp({ readAuth: false, rateLimitPerMinute: 1, trustProxy: false });
    const from = (ip: string) => worker.request('/api/sectors', { headers: { 'cf-connecting-ip': ip } });
    expect((await from('192.0.2.1')).status).toBe(200);
    expect((await from('192.0.2.1')).status).toBe(429);
    expect((await from('192.0.2.2')).status).toBe(200);
    // over a real socket the header is the client's own say and is ignored
    const node = makeApp({ readAuth: false, rateLimitPerMinute: 1, trustProxy: false });
    const direct = await listen(node);
    try {
      expect((await getFrom('127.0.0.1', `${direct.url}/api/sectors`, { 'cf-connecting-ip': '192.0.2.3' })).status).toBe(200);
      expect((await getFrom('127.0.0.1', `${direct.url}/api/sectors`, { 'cf-connecting-ip': '192.0.2.4' })).status).toBe(429);
    } finally {
      await closeServer(direct.server);
    }
  });

  it('gives every answer an X-Request-Id, keeps a well-formed one, and logs one line per request without the key', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    const app = makeApp(undefined, pino({ level: 'info' }, sink));

    const generated = await app.request('/api/notices?limit=1');
    expect(generated.status).toBe(200);
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const echoed = await app.request('/api/notices/nope', { headers: { 'x-request-id': 'edge-7f3a=1' } });
    expect(echoed.status).toBe(404);
    expect(echoed.headers.get('x-request-id')).toBe('edge-7f3a=1');
    expect(((await echoed.json()) as any).request_id).toBe('edge-7f3a=1');
    const malformed = await app.request('/healthz', { headers: { 'x-request-id': 'two words<script>' } });
    expect(malformed.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    // a route that builds its own Response (feeds) still carries it
    expect((await app.request('/feeds/notices.rss')).headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const noRoute = await app.request('/nowhere');
    expect(((await noRoute.json()) as any).request_id).toBe(noRoute.headers.get('x-request-id'));

    const written = await app.request('/api/sources/gov-cn/scrape?full=1', { method: 'POST', headers: { authorization: `Bearer ${ENV_KEY}`, 'x-request-id': 'write-1' } });
    expect(written.status).toBe(202);

    expect(lines).toHaveLength(6);
    for (const raw of lines) {
      expect(raw).not.toContain(ENV_KEY);
      expect(raw.toLowerCase()).not.toContain('bearer');
      expect(raw.toLowerCase()).not.toContain('authorization');
    }
    const entries = lines.map((l) => JSON.parse(l));
    expect(entries[1]).toMatchObject({ level: 30, msg: 'request', request_id: 'edge-7f3a=1', method: 'GET', path: '/api/notices/nope', route: '/api/notices/:id', status: 404, key: null });
    expect(entries[0].path).toBe('/api/notices'); // never the query string
    expect(entries[4]).toMatchObject({ route: 'unmatched', status: 404 });
    expect(entries[5]).toMatchObject({ request_id: 'write-1', method: 'POST', path: '/api/sources/gov-cn/scrape', route: '/api/sources/:id/scrape', status: 202, key: 'ops-env' });
    for (const e of entries) {
      expect(typeof e.ms).toBe('number');
      expect(e.ms).toBeGreaterThanOrEqual(0);
      expect(Object.keys(e).sort()).toEqual(['hostname', 'key', 'level', 'method', 'ms', 'msg', 'path', 'pid', 'request_id', 'route', 'status', 'time'].sort());
    }
  });

  it('serves Prometheus metrics: request counters by route pattern that grow, and figures from the store', async () => {
    const app = makeApp();
    const scrapeMetrics = async () => {
      const res = await app.request('/metrics');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      return parseMetrics(await res.text());
    };
    await store.db.insertInto('scrape_runs').values({ source_id: 'gov-cn', trigger: 'test', mode: 'incremental', status: 'ok', errors: '[]' }).execute();
    const before = await scrapeMetrics();
    const notFound = 'cpt_http_requests_total{method="GET",route="/api/notices/:id",status="404"}';
    expect(before.get(notFound) ?? 0).toBe(0);

    for (const id of ['a', 'b', 'c']) expect((await app.request(`/api/notices/${id}`)).status).toBe(404);
    expect((await app.request('/api/notices')).status).toBe(200);
    const after = await scrapeMetrics();
    expect(after.get(notFound)).toBe(3);
    expect(after.get('cpt_http_requests_total{method="GET",route="/api/notices",status="200"}')).toBe(1);
    expect(after.get('cpt_http_requests_total{method="GET",route="/metrics",status="200"}')).toBe(1);
    expect(after.get('cpt_http_request_duration_seconds_count{method="GET",route="/api/notices/:id"}')).toBe(3);
    expect(after.get('cpt_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/api/notices/:id"}')).toBe(3);
    // raw paths never become labels
    expect([...after.keys()].some((k) => k.includes('/api/notices/a'))).toBe(false);

    const notices = await store.db.selectFrom('notices').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(after.get('cpt_notices_total{}')).toBe(Number(notices.n));
    expect(after.get('cpt_scrape_runs_total{source="gov-cn",status="ok"}')).toBeGreaterThanOrEqual(1);
    expect(after.get('cpt_alert_deliveries_pending{}')).toBe(0);
    expect(after.get('cpt_alert_deliveries_dead{}')).toBe(0);
    expect(after.get('cpt_enrichment_jobs_queued{}')).toBe(0);
    expect(after.get('cpt_database_up{}')).toBe(1);

    await store.db.insertInto('scrape_runs').values({ source_id: 'gov-cn', trigger: 'test', mode: 'incremental', status: 'ok', errors: '[]' }).execute();
    const later = await scrapeMetrics();
    expect(later.get('cpt_scrape_runs_total{source="gov-cn",status="ok"}')).toBe(after.get('cpt_scrape_runs_total{source="gov-cn",status="ok"}')! + 1);
  });
});

describe('cpt serve with stored keys, a rate limit and its access log [pglite]', () => {
  it('takes a key made while it runs, limits per key, logs without the key, and serves process metrics', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cpt-ops-serve-'));
    const env = testEnv({ DATA_DIR: dataDir, CPT_IMPORT_ARCHIVE: '0', LOG_LEVEL: 'info', CPT_API_RATE_LIMIT: '4', CPT_READ_AUTH: '1' });
    const server = await startServer(env);
    try {
      const created = await runCli(['keys', 'create', 'ops-bot'], env);
      expect(created.code).toBe(0);
      const key = created.stdout.trim();
      const auth = { authorization: `Bearer ${key}` };
      expect((await fetch(`${server.url}/api/sources`)).status).toBe(401);
      const ok = await fetch(`${server.url}/api/sources`, { headers: { ...auth, 'x-request-id': 'serve-1' } });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('ratelimit-limit')).toBe('4');
      expect(ok.headers.get('x-request-id')).toBe('serve-1');
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await fetch(`${server.url}/api/sectors`, { headers: auth })).status);
      expect(statuses).toEqual([200, 200, 200, 429]);

      const metrics = await fetch(`${server.url}/metrics`, { headers: auth });
      expect(metrics.status).toBe(200);
      const parsed = parseMetrics(await metrics.text());
      expect(parsed.get('cpt_http_requests_total{method="GET",route="/api/sectors",status="429"}')).toBe(1);
      expect([...parsed.keys()].some((k) => k.startsWith('cpt_process_resident_memory_bytes'))).toBe(true);

      // wait for the log line of the last request
      const deadline = Date.now() + 10_000;
      while (!server.output().includes('"route":"/metrics"') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const logLines = server.output().split('\n').filter((l) => l.includes('"msg":"request"')).map((l) => JSON.parse(l));
      expect(logLines.find((l) => l.request_id === 'serve-1')).toMatchObject({ method: 'GET', path: '/api/sources', route: '/api/sources', status: 200, key: 'ops-bot', service: 'cpt' });
      expect(logLines.filter((l) => l.status === 429)).toHaveLength(1);
      expect(server.output()).not.toContain(key);
      expect(server.output().toLowerCase()).not.toContain('bearer');
    } finally {
      expect(await server.stop()).toBe(0);
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
