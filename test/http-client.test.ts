import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FetchError } from '../src/http/fetch-error.js';
import { HttpClient, type HttpClientOptions } from '../src/http/http-client.js';
import { HostRateLimiter } from '../src/http/rate-limiter.js';
import { type MirrorServer, startMirrorServer } from './support/mirror-server.js';

const HOST = 'www.example.gov.cn';
let root: string;
let server: MirrorServer;

function client(overrides: Partial<HttpClientOptions> = {}): HttpClient {
  return new HttpClient({
    userAgent: 'ChinaPolicyTracker/test',
    hostMap: new Map([[HOST, new URL(server.origin)]]),
    rateLimits: new Map([['*', 1000]]),
    timeoutMs: 2_000,
    retries: 2,
    backoffMs: 10,
    maxBytes: 64 * 1024,
    robots: true,
    ...overrides,
  });
}

const url = (path: string) => `https://${HOST}${path}`;

async function failure(p: Promise<unknown>): Promise<FetchError> {
  const error = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FetchError);
  return error as FetchError;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'cpt-http-'));
  mkdirSync(join(root, 'p'), { recursive: true });
  writeFileSync(join(root, 'robots.txt'), 'User-agent: *\nDisallow: /private/\n');
  writeFileSync(join(root, 'p', 'ok.html'), '<html><head><meta charset="utf-8"></head><body>国务院</body></html>');
  writeFileSync(join(root, 'p', 'big.html'), `<html>${'x'.repeat(100 * 1024)}</html>`);
  writeFileSync(
    join(root, 'p', 'gbk.html'),
    iconv.encode('<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head><body>关于推进医疗保障基金监管</body></html>', 'gbk'),
  );
  writeFileSync(join(root, 'p', 'gbk-undeclared.html'), iconv.encode('<html><body>财政部 税务总局公告</body></html>', 'gbk'));
  writeFileSync(join(root, 'p', 'feed.json'), '[{"TITLE":"关于","URL":"https://www.gov.cn/a.htm"}]');
  server = await startMirrorServer(root);
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => {
  server.faults.clear();
  server.requests.length = 0;
});

describe('HttpClient over loopback', () => {
  it('sends requests for a mapped host to the mirror and keeps canonical URLs', async () => {
    const page = await client().fetchPage({ url: url('/p/ok.html'), expect: 'html' });
    expect(page.url).toBe(url('/p/ok.html'));
    expect(page.finalUrl).toBe(url('/p/ok.html'));
    expect(page.text).toContain('国务院');
    const get = server.requests.find((r) => r.path === '/p/ok.html')!;
    expect(get.headers['user-agent']).toBe('ChinaPolicyTracker/test');
  });

  it('honours Retry-After on 429 and then succeeds', async () => {
    server.faults.set('/p/ok.html', { statuses: [429], headers: { 'retry-after': '1' } });
    const started = Date.now();
    const page = await client().fetchPage({ url: url('/p/ok.html'), expect: 'html' });
    expect(page.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(server.requests.filter((r) => r.path === '/p/ok.html')).toHaveLength(2);
  });

  it('retries 5xx with backoff, then gives up with the status', async () => {
    server.faults.set('/p/ok.html', { statuses: [503, 502] });
    expect((await client().fetchPage({ url: url('/p/ok.html'), expect: 'html' })).status).toBe(200);
    server.faults.set('/p/ok.html', { statuses: [503, 503, 503, 503] });
    server.requests.length = 0;
    const error = await failure(client({ retries: 2 }).fetchPage({ url: url('/p/ok.html'), expect: 'html' }));
    expect(error.kind).toBe('http');
    expect(error.status).toBe(503);
    expect(server.requests.filter((r) => r.path === '/p/ok.html')).toHaveLength(3);
  });

  it('pauses a host that answers 403 (burst ban) and tries once more; a lasting 403 is reported', async () => {
    server.faults.set('/p/ok.html', { statuses: [403] });
    const started = Date.now();
    const page = await client({ banPauseMs: 300 }).fetchPage({ url: url('/p/ok.html'), expect: 'html' });
    expect(page.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    server.faults.set('/p/ok.html', { statuses: [403, 403, 403, 403] });
    server.requests.length = 0;
    const error = await failure(client({ banPauseMs: 50, retries: 3 }).fetchPage({ url: url('/p/ok.html'), expect: 'html' }));
    expect(error.status).toBe(403);
    expect(error.message).toMatch(/HTTP 403 Forbidden \(the host may be banning bursts/);
    expect(server.requests.filter((r) => r.path === '/p/ok.html')).toHaveLength(2);
  });

  it('does not retry a 404', async () => {
    const error = await failure(client().fetchPage({ url: url('/p/missing.html'), expect: 'html' }));
    expect(error.message).toMatch(/HTTP 404/);
    expect(server.requests.filter((r) => r.path === '/p/missing.html')).toHaveLength(1);
  });

  it('times out slow responses and retries a bounded number of times', async () => {
    server.faults.set('/p/ok.html', { delayMs: 1_000 });
    const error = await failure(client({ timeoutMs: 200, retries: 1 }).fetchPage({ url: url('/p/ok.html'), expect: 'html' }));
    expect(error.kind).toBe('timeout');
    expect(server.requests.filter((r) => r.path === '/p/ok.html')).toHaveLength(2);
  });

  it('refuses bodies over the size limit', async () => {
    const error = await failure(client().fetchPage({ url: url('/p/big.html'), expect: 'html' }));
    expect(error.kind).toBe('too_large');
  });

  it('decodes GBK from <meta>, from the header, and when undeclared', async () => {
    const meta = await client().fetchPage({ url: url('/p/gbk.html'), expect: 'html' });
    expect(meta.text).toContain('关于推进医疗保障基金监管');
    expect(meta.charset).toBe('gb18030');
    const undeclared = await client().fetchPage({ url: url('/p/gbk-undeclared.html'), expect: 'html' });
    expect(undeclared.text).toContain('财政部 税务总局公告');
    expect(undeclared.charsetNote).toMatch(/GB18030/);
    server.faults.set('/p/header.html', { body: iconv.encode('<p>国家医保局</p></html>', 'gbk'), contentType: 'text/html; charset=GBK' });
    expect((await client().fetchPage({ url: url('/p/header.html'), expect: 'html' })).text).toContain('国家医保局');
  });

  it('follows redirects on the mirror as canonical URLs and stops loops', async () => {
    server.faults.set('/p/old.html', { status: 301, body: '', headers: { location: `${server.origin}/p/ok.html` } });
    const moved = await client().fetchPage({ url: url('/p/old.html'), expect: 'html' });
    expect(moved.finalUrl).toBe(url('/p/ok.html'));
    server.faults.set('/p/a.html', { status: 302, body: '', headers: { location: '/p/b.html' } });
    server.faults.set('/p/b.html', { status: 302, body: '', headers: { location: '/p/a.html' } });
    const error = await failure(client().fetchPage({ url: url('/p/a.html'), expect: 'html' }));
    expect(error.kind).toBe('redirect');
    expect(error.message).toMatch(/redirect loop/);
  });

  it('honours robots.txt: Disallow rules; 4xx allows all; 5xx disallows all', async () => {
    const error = await failure(client().fetchPage({ url: url('/private/x.html'), expect: 'html' }));
    expect(error.kind).toBe('robots');
    expect(server.requests.some((r) => r.path === '/private/x.html')).toBe(false);

    server.faults.set('/robots.txt', { status: 404, body: 'not found' });
    expect((await client().fetchPage({ url: url('/p/ok.html'), expect: 'html' })).status).toBe(200);

    server.faults.set('/robots.txt', { statuses: [500, 500, 500, 500, 500] });
    const blocked = await failure(client({ retries: 0 }).fetchPage({ url: url('/p/ok.html'), expect: 'html' }));
    expect(blocked.kind).toBe('robots');
    expect(blocked.message).toMatch(/unreachable/);
  });

  it('sends validators and reports 304 Not Modified', async () => {
    const c = client();
    const first = await c.fetchPage({ url: url('/p/ok.html'), expect: 'html' });
    expect(first.etag).toBeTruthy();
    const again = await c.fetchPage({ url: url('/p/ok.html'), expect: 'html', etag: first.etag });
    expect(again.notModified).toBe(true);
    expect(again.text).toBe('');
  });

  it('rejects binary content types and anti-bot challenges without retrying them', async () => {
    server.faults.set('/p/doc.html', { body: '%PDF-1.4', contentType: 'application/pdf' });
    expect((await failure(client().fetchPage({ url: url('/p/doc.html'), expect: 'html' }))).kind).toBe('content_type');
    server.faults.set('/p/nhc.html', { status: 412, body: '<html><script>$_ts={}</script></html>' });
    const challenge = await failure(client().fetchPage({ url: url('/p/nhc.html'), expect: 'html' }));
    expect(challenge.kind).toBe('challenge');
    expect(challenge.status).toBe(412);
    expect(server.requests.filter((r) => r.path === '/p/nhc.html')).toHaveLength(1);
  });

  it('reports network errors', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const c = client({ hostMap: new Map([[HOST, new URL(`http://127.0.0.1:${port}`)]]), retries: 0, robots: false });
    const error = await failure(c.fetchPage({ url: url('/p/ok.html'), expect: 'html' }));
    expect(error.kind).toBe('network');
    expect(error.message).toMatch(/ECONNREFUSED/);
  });

  it('spaces requests to one host by its rate limit, even when issued at once', async () => {
    const c = client({ rateLimits: new Map([['*', 20]]), robots: false });
    const started = Date.now();
    await Promise.all(Array.from({ length: 5 }, () => c.fetchPage({ url: url('/p/ok.html'), expect: 'html' })));
    // 5 requests at 20/s: the last may start no earlier than 4 × 50 ms after the first
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });
});

describe('HostRateLimiter', () => {
  it('reserves slots one interval apart and honours pauses', async () => {
    let now = 1_000;
    const limiter = new HostRateLimiter(new Map([['*', 1], ['fast.example', 10]]), () => now);
    expect(limiter.intervalMs('www.gov.cn')).toBe(1000);
    expect(limiter.intervalMs('fast.example')).toBe(100);
    await limiter.acquire('fast.example');
    limiter.pause('fast.example', 0);
    now += 100;
    await limiter.acquire('fast.example');
  });
});
