/**
 * The `/digests` page in Debian's chromium (playwright-core), served over loopback: pick a week and
 * a sector, read the preview, download the PDF, follow the feed of the same filter; no script, a
 * strict Content-Security-Policy, and a phone-width layout without horizontal scrolling.
 */
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOURCES } from '../scrapers/index.js';
import { createApp } from '../src/api/app.js';
import { apiKeyAuthenticator } from '../src/api/api-keys.js';
import { CHROMIUM_PATH } from '../src/http/browser-fetcher.js';
import { loadIssuerDirectory } from '../src/issuers/issuer.repository.js';
import { createTestDatabase, type TestDatabase } from './support/databases.js';
import { ingestScraped, scrapedFromArchive } from './support/notices.js';

const hasChromium = existsSync(CHROMIUM_PATH);
const reason = hasChromium ? '' : ` (not run: no ${CHROMIUM_PATH}; .ci/run installs it with apt-get install -y chromium fonts-noto-cjk)`;

describe.skipIf(!hasChromium)(`/digests in chromium${reason}`, () => {
  let t: TestDatabase;
  let server: ServerType;
  let origin: string;
  let browser: import('playwright-core').Browser;

  beforeAll(async () => {
    t = await createTestDatabase('pglite');
    await ingestScraped(t.db, scrapedFromArchive('02', 'https://www.gov.cn/zhengce/zhengceku/2020-06/28/content_5522280.htm'));
    await ingestScraped(t.db, scrapedFromArchive('03', 'https://www.gov.cn/zhengce/content/2020-07/09/content_5525564.htm'));
    const directory = await loadIssuerDirectory(t.db);
    const app = createApp({ db: t.db, sources: SOURCES, directory: () => directory, authenticate: apiKeyAuthenticator(t.db, []), scrapes: null, version: 'test' });
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--headless=new', '--no-sandbox', '--disable-gpu'] });
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    await t?.close();
  });

  it('shows a week, switches week and sector, and downloads the digest and feeds of that filter', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));

    const first = await page.goto(`${origin}/digests?week=2020-W26`);
    expect(first!.headers()['content-security-policy']).toContain("default-src 'none'");
    expect(await page.locator('nav.weeks strong').innerText()).toBe('2020-W26 (2020-06-22 ~ 2020-06-28)');
    const preview = page.frameLocator('iframe');
    await expect.poll(() => preview.locator('body').innerText(), { timeout: 15_000 }).toContain('중국 중앙정부 정책 주간 동향 — 2020년 26주차 (6.22–6.28)');
    expect(await preview.locator('body').innerText()).toContain('◆ 에너지·전력');

    // another week and a sector, through the form as a user would
    await page.fill('input[name=week]', '2020-W28');
    await page.check('input[name=sector][value=health]');
    await Promise.all([page.waitForURL(/week=2020-W28/), page.click('button[type=submit]')]);
    expect(new URL(page.url()).searchParams.getAll('sector')).toEqual(['health']);
    await expect.poll(() => preview.locator('body').innerText(), { timeout: 15_000 }).toContain('◆ 의료·보건');
    expect(await preview.locator('body').innerText()).toContain('国办发〔2020〕20号');

    const pdfHref = await page.locator('#downloads a[data-format=pdf]').getAttribute('href');
    expect(pdfHref).toBe('/api/digests/2020-W28?format=pdf&sector=health');
    const pdf = await page.request.get(`${origin}${pdfHref}`);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');
    const md = await page.request.get(`${origin}${await page.locator('#downloads a[data-format=md]').getAttribute('href')}`);
    expect(await md.text()).toContain('◆ 의료·보건');

    const rssHref = await page.locator('#feeds a', { hasText: 'RSS' }).getAttribute('href');
    expect(rssHref).toBe('/feeds/notices.rss?sector=health');
    expect(await page.locator('link[rel=alternate][type="application/rss+xml"]').getAttribute('href')).toBe(rssHref);
    const rss = await page.request.get(`${origin}${rssHref}`);
    expect(await rss.text()).toContain('<category>의료·보건</category>');

    // the previous-week link keeps the filter
    await Promise.all([page.waitForURL(/week=2020-W27/), page.click('text=◀ 지난주')]);
    expect(new URL(page.url()).searchParams.getAll('sector')).toEqual(['health']);
    await expect.poll(() => preview.locator('body').innerText(), { timeout: 15_000 }).toContain('이번 주에는 조건에 맞는 중앙정부 문건이 없습니다.');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('says what is wrong with a bad week, and fits a phone-width screen', async () => {
    const page = await browser.newPage({ viewport: { width: 375, height: 740 } });
    const res = await page.goto(`${origin}/digests?week=2020-W60`);
    expect(res!.status()).toBe(400);
    expect(await page.locator('[role=alert]').innerText()).toContain('2020 has weeks 01 to 53');
    await page.goto(`${origin}/digests?week=2020-W28`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.close();
  });
});
