/**
 * Sites that answer plain clients with a JavaScript cookie challenge (瑞数 412): a loopback server
 * plays the challenge — no cookie, a 412 page whose script sets the cookie and reloads; with the
 * cookie, the saved page. Plain HTTP is blocked; Debian's chromium (playwright-core) passes and the
 * scrape stores the notices. Needs /usr/bin/chromium (.ci/run installs it).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import govCn from '../scrapers/gov-cn/index.js';
import { createEnricher } from '../src/enrichment/index.js';
import { BrowserFetcher, CHROMIUM_PATH } from '../src/http/browser-fetcher.js';
import { FetchError } from '../src/http/fetch-error.js';
import { HttpClient } from '../src/http/http-client.js';
import { loadIssuerDirectory } from '../src/issuers/issuer.repository.js';
import { runScrape } from '../src/scrape/scrape-runner.js';
import { createTestDatabase, type TestDatabase } from './support/databases.js';
import { GOOD_PAGES, GOV_CN_MIRROR } from './support/fixture-store.js';

const CHALLENGE =
  '<html><head><meta content="{qqqqqqqqqqqqqqqqqqqq.qqqq}" r="m">' +
  '<script>$_ts=window.$_ts||{};document.cookie="cptRsT=ok; path=/";setTimeout(function(){location.reload()},50);</script>' +
  '</head><body></body></html>';

let server: Server;
let origin: string;
let challenged = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path === '/robots.txt') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('User-agent: *\nAllow: /\n');
      return;
    }
    if (!(req.headers.cookie ?? '').includes('cptRsT=ok')) {
      challenged++;
      res.writeHead(412, { 'content-type': 'text/html', 'set-cookie': 'cptRsS=1; path=/' }).end(CHALLENGE);
      return;
    }
    const file = join(GOV_CN_MIRROR, path);
    if (!existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': path.endsWith('.json') ? 'application/json' : 'text/html' }).end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const http = () =>
  new HttpClient({
    userAgent: 'ChinaPolicyTracker/test',
    hostMap: new Map([['www.gov.cn', new URL(origin)]]),
    rateLimits: new Map([['*', 200]]),
    timeoutMs: 15_000,
    retries: 0,
    backoffMs: 10,
    maxBytes: 1 << 20,
    robots: true,
  });

const hasChromium = existsSync(CHROMIUM_PATH);
const reason = hasChromium ? '' : ` (not run: no ${CHROMIUM_PATH}; .ci/run installs it with apt-get install -y chromium)`;

describe.skipIf(!hasChromium)(`anti-bot challenge through the browser${reason}`, () => {
  let t: TestDatabase;
  let browser: BrowserFetcher;
  beforeAll(async () => {
    t = await createTestDatabase('pglite');
    browser = new BrowserFetcher({ http: http(), rateLimits: new Map([['*', 200]]), timeoutMs: 15_000 });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('is blocked over plain HTTP and passed in chromium', async () => {
    const url = GOOD_PAGES[0]!;
    const plain = await http().fetchPage({ url, expect: 'html' }).catch((e: unknown) => e);
    expect(plain).toBeInstanceOf(FetchError);
    expect((plain as FetchError).kind).toBe('challenge');
    const page = await browser.fetchPage({ url, expect: 'html' });
    expect(page.url).toBe(url);
    expect(page.text).toContain('UCAP-CONTENT');
    expect(challenged).toBeGreaterThan(1);
  });

  it('scrapes a challenge-protected source with CPT_BROWSER=1', async () => {
    const deps = {
      db: t.db,
      directory: await loadIssuerDirectory(t.db),
      enricher: createEnricher(),
      http: http(),
      stopAfterKnown: 10,
      browser: () => browser,
    };
    const summary = await runScrape(deps, { ...govCn, needsBrowser: true }, { limit: 5 });
    expect(summary.status).toBe('ok');
    expect(summary.counts.new).toBe(5);
  });
});
