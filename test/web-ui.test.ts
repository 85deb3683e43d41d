/**
 * The Korean pages in Debian's chromium (playwright-core), served over loopback with real archive
 * notices: filter by sector, search in Korean and Chinese, open a notice, log in with a key and
 * review a summary, create and delete a subscription, source health, scraped markup that cannot
 * run script, and phone-width layouts. Assertions read what is visible (`innerText`); each step
 * leaves a screenshot in a temporary directory.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOURCES } from '../scrapers/index.js';
import { createApp } from '../src/api/app.js';
import { CHROMIUM_PATH } from '../src/http/browser-fetcher.js';
import { loadIssuerDirectory } from '../src/issuers/issuer.repository.js';
import { createTestDatabase, type TestDatabase } from './support/databases.js';
import { archiveNotice, ingestScraped, scrapedFromArchive } from './support/notices.js';

const hasChromium = existsSync(CHROMIUM_PATH);
const reason = hasChromium ? '' : ` (not run: no ${CHROMIUM_PATH}; .ci/run installs it with apt-get install -y chromium fonts-noto-cjk)`;

const KEY = 'web-ui-analyst-key-0123456789';
/** Archive notices stored for the pages, with the URL each is "scraped" from. */
const NOTICES: [string, string][] = [
  ['02', 'https://www.gov.cn/zhengce/zhengceku/2020-06/28/content_5522280.htm'],
  ['03', 'https://www.gov.cn/zhengce/content/2020-07/09/content_5525564.htm'],
  ['05', 'https://www.gov.cn/zhengce/zhengceku/2023-08/02/content_0000005.htm'],
  ['15', 'https://www.gov.cn/zhengce/zhengceku/2019-09/11/content_0000015.htm'],
  ['28', 'https://www.gov.cn/zhengce/zhengceku/2020-01/22/content_0000028.htm'],
  ['33', 'https://www.gov.cn/zhengce/zhengceku/2020-10/30/content_0000033.htm'],
];
const EVIL_BODY =
  '<p>正文第一段。</p><script>alert("script")</script><img src="x" onerror="alert(\'img\')">' +
  '<a href="javascript:alert(\'link\')">点击这里</a><p onclick="alert(\'p\')" style="background:url(javascript:alert(1))">第二段</p>' +
  '<svg onload="alert(\'svg\')"></svg><iframe src="javascript:alert(\'frame\')"></iframe>';

describe.skipIf(!hasChromium)(`the Korean pages in chromium${reason}`, () => {
  let t: TestDatabase;
  let server: ServerType;
  let origin: string;
  let browser: import('playwright-core').Browser;
  let context: import('playwright-core').BrowserContext;
  let shots: string;
  let healthId: string;
  let evilId: string;

  async function shot(page: import('playwright-core').Page, name: string) {
    const file = join(shots, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    expect(statSync(file).size).toBeGreaterThan(1000);
  }

  /** Console errors, page errors and dialogs of a page: none may happen. */
  function watch(page: import('playwright-core').Page): string[] {
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    return problems;
  }

  beforeAll(async () => {
    // CPT_SCREENSHOTS_DIR keeps them for a look; otherwise a temporary directory, removed afterwards
    const keep = process.env.CPT_SCREENSHOTS_DIR;
    if (keep) mkdirSync(keep, { recursive: true });
    shots = keep || mkdtempSync(join(tmpdir(), 'cpt-web-ui-'));
    t = await createTestDatabase('pglite');
    for (const [id, url] of NOTICES) {
      const { noticeId } = await ingestScraped(t.db, scrapedFromArchive(id, url));
      if (id === '03') healthId = noticeId;
    }
    evilId = (
      await ingestScraped(
        t.db,
        scrapedFromArchive('19', 'https://www.cac.gov.cn/2023-06/20/c_0000019.htm', {
          bodyHtml: EVIL_BODY,
          attachments: [{ name: '恶意附件', url: 'javascript:alert(\'attachment\')' }],
        }),
      )
    ).noticeId;
    // as if stored by a writer that did not sanitise: the page cleans it again
    await t.db.updateTable('notices').set({ body_html: EVIL_BODY }).where('id', '=', evilId).execute();
    await t.db
      .insertInto('scrape_runs')
      .values({
        source_id: 'most',
        trigger: 'test',
        mode: 'incremental',
        status: 'partial',
        seen: 5,
        new: 3,
        failed: 1,
        last_http_status: 200,
        finished_at: new Date(),
        errors: JSON.stringify([{ url: 'https://www.most.gov.cn/tztg/202006/t20200618_1.html', stage: 'parse', kind: 'error', reason: 'no_body: 本文 없음' }]),
      })
      .execute();
    const directory = await loadIssuerDirectory(t.db);
    const app = createApp({
      db: t.db,
      sources: SOURCES,
      directory: () => directory,
      authenticate: async (k) => (k === KEY ? 'analyst' : null),
      scrapes: null,
      version: 'test',
    });
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    await t?.close();
    if (shots && !process.env.CPT_SCREENSHOTS_DIR) rmSync(shots, { recursive: true, force: true });
  });

  it('filters by a sector chip: only that sector\'s notices, and the count matches', async () => {
    const page = await context.newPage();
    const problems = watch(page);
    const res = await page.goto(`${origin}/`);
    expect(res!.headers()['content-security-policy']).toContain("default-src 'none'");
    const all = await page.locator('#result-count').innerText();
    expect(all).toBe(`총 ${NOTICES.length + 1}건`);
    await page.check('#sector-chips input[value=health]');
    await Promise.all([page.waitForURL(/sector=health/), page.click('#filters button[type=submit]')]);
    await shot(page, 'list-health');
    const expected = await t.db.selectFrom('notice_sectors').select('notice_id').where('code', '=', 'health').execute();
    expect(expected.length).toBeGreaterThanOrEqual(2);
    expect(await page.locator('#result-count').innerText()).toBe(`총 ${expected.length}건`);
    const rows = page.locator('li.notice');
    expect(await rows.count()).toBe(expected.length);
    for (let i = 0; i < expected.length; i++) expect(await rows.nth(i).innerText()).toContain('의료·보건');
    expect(new Set(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-id'))))).toEqual(new Set(expected.map((e) => e.notice_id)));
    // the chip stays checked and shows its count
    expect(await page.isChecked('#sector-chips input[value=health]')).toBe(true);
    expect(await page.locator('#sector-chips label', { hasText: '의료·보건' }).innerText()).toContain(String(expected.length));
    expect(await page.locator('body').innerText()).toContain('국무원 판공청 의료보장기금 감독관리 제도 체계 개혁 추진에 관한 지도의견');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('searches in Korean and in Chinese, with the term marked in the snippet', async () => {
    const page = await context.newPage();
    const problems = watch(page);
    for (const term of ['의료보장', '医疗保障']) {
      await page.goto(`${origin}/`);
      await page.fill('input[name=q]', term);
      await Promise.all([page.waitForURL(/q=/), page.click('#filters button[type=submit]')]);
      await shot(page, `search-${term}`);
      expect(await page.locator('#result-count').innerText()).toMatch(/^총 [1-9]\d*건/);
      const titles = await page.locator('li.notice .title-zh').allInnerTexts();
      expect(titles).toContain(archiveNotice('03').title);
      const marks = await page.locator('li.notice mark').allInnerTexts();
      expect(marks.length).toBeGreaterThan(0);
      expect(marks.every((m) => m === term)).toBe(true);
    }
    expect(problems).toEqual([]);
    await page.close();
  });

  it('opens a notice from the list: Korean and Chinese titles side by side, metadata and source URL', async () => {
    const page = await context.newPage();
    const problems = watch(page);
    await page.goto(`${origin}/?sector=health`);
    const link = page.locator(`li.notice[data-id="${healthId}"] a.title-ko`);
    const listed = await link.innerText();
    await Promise.all([page.waitForURL(new RegExp(`/notices/${healthId}$`)), link.click()]);
    await shot(page, 'notice');
    expect(await page.locator('h1').innerText()).toBe(listed);
    expect(listed).toBe('국무원 판공청 의료보장기금 감독관리 제도 체계 개혁 추진에 관한 지도의견');
    expect(await page.locator('#title-zh').innerText()).toBe('国务院办公厅关于推进医疗保障基金监管制度体系改革的指导意见');
    const meta = await page.locator('#metadata').innerText();
    for (const text of ['国办发〔2020〕20号', '국무원 판공청(国务院办公厅)', '2020.6.30', '2020.7.9', '意见']) expect(meta).toContain(text);
    expect(await page.locator('#urls').innerText()).toContain('https://www.gov.cn/zhengce/content/2020-07/09/content_5525564.htm');
    expect(await page.locator('#original').innerText()).toContain('医疗保障基金');
    expect(await page.locator('#summary-status').innerText()).toBe('기계 요약');
    // two columns on a wide screen: the original sits to the right of the Korean summary
    const [ko, zh] = [await page.locator('#korean').boundingBox(), await page.locator('#original').boundingBox()];
    expect(zh!.x).toBeGreaterThan(ko!.x + ko!.width - 1);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('logs in with a key and reviews the Korean title and summary: 검토 완료', async () => {
    const page = await context.newPage();
    const problems = watch(page);
    await page.goto(`${origin}/notices/${healthId}`);
    expect(await page.locator('body').innerText()).toContain('요약을 수정하려면 API 키를 입력하세요.');
    await Promise.all([page.waitForURL(/\/session\?next=/), page.click('text=API 키를 입력')]);
    await page.fill('input[name=key]', 'wrong-key-wrong-key');
    await page.click('form[action="/session"] button[type=submit]');
    expect(await page.locator('[role=alert]').innerText()).toBe('API 키가 올바르지 않습니다.');
    expect(problems).toEqual(['console: Failed to load resource: the server responded with a status of 401 (Unauthorized)']);
    problems.length = 0;
    await page.fill('input[name=key]', KEY);
    await Promise.all([page.waitForURL(new RegExp(`/notices/${healthId}$`)), page.click('form[action="/session"] button[type=submit]')]);
    const cookie = (await context.cookies()).find((c) => c.name === 'cpt_key')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(await page.locator('header .who').innerText()).toContain('API 키: analyst');
    await page.fill('#review input[name=title_ko]', '국무원 판공청, 의료보장기금 감독관리 제도 개혁 지도의견');
    await page.fill('#review textarea[name=summary_ko]', '의료보장기금 감독관리 체계를 2025년까지 갖춘다.\n- 분석가 검토 요약');
    await Promise.all([page.waitForURL(/saved=1/), page.click('#review button[type=submit]')]);
    await shot(page, 'reviewed');
    expect(await page.locator('[role=status]').innerText()).toBe('검토한 제목과 요약을 저장했습니다.');
    expect(await page.locator('#summary-status').innerText()).toBe('검토 완료');
    expect(await page.locator('h1').innerText()).toBe('국무원 판공청, 의료보장기금 감독관리 제도 개혁 지도의견');
    expect(await page.locator('#summary-ko').innerText()).toContain('- 분석가 검토 요약');
    expect(await page.locator('#korean').innerText()).toContain('검토: analyst');
    await page.goto(`${origin}/?sector=health`);
    expect(await page.locator(`li.notice[data-id="${healthId}"]`).innerText()).toContain('검토 완료');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('creates and deletes a subscription (with the key from the previous login)', async () => {
    const page = await context.newPage();
    const problems = watch(page);
    await page.goto(`${origin}/subscriptions`);
    expect(await page.locator('h2').first().innerText()).toBe('구독 목록 (0개)');
    await page.check('#create input[name=channel_type][value=email]');
    await page.fill('#create input[name=to]', 'analyst@example.com');
    await page.check('#create input[name=sector][value=health]');
    await page.fill('#create input[name=keywords]', '医保, 의료보장');
    await page.click('#create button[type=submit]');
    await shot(page, 'subscription-created');
    expect(await page.locator('#message').innerText()).toContain('구독을 만들었습니다: 이메일: analyst@example.com');
    const item = page.locator('section.subscription');
    expect(await item.count()).toBe(1);
    const text = await item.innerText();
    expect(text).toContain('분야: 의료·보건');
    expect(text).toContain('키워드: 医保, 의료보장');
    expect(text).toContain('활성');
    await Promise.all([page.waitForURL(/done=paused/), item.locator('button[data-action=status]').click()]);
    expect(await page.locator('section.subscription').innerText()).toContain('중지');
    await Promise.all([page.waitForURL(/done=deleted/), page.locator('section.subscription button[data-action=delete]').click()]);
    expect(await page.locator('#message').innerText()).toBe('구독을 삭제했습니다.');
    expect(await page.locator('section.subscription').count()).toBe(0);
    expect(await t.db.selectFrom('subscriptions').selectAll().execute()).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows every source with its last run, errors and flags', async () => {
    const page = await context.newPage();
    const problems = watch(page);
    await page.goto(`${origin}/sources`);
    await shot(page, 'sources');
    expect(await page.locator('table#sources tbody tr[id^=source-]').count()).toBe(SOURCES.length);
    const most = await page.locator('#source-most').innerText();
    expect(most).toContain('중화인민공화국 과학기술부');
    expect(most).toContain('일부 실패');
    expect(most).toContain('신규 3');
    const errors = await page.locator('tr.errors-row').innerText();
    expect(errors).toContain('https://www.most.gov.cn/tztg/202006/t20200618_1.html');
    expect(errors).toContain('파싱: ');
    expect(errors).toContain('no_body: 本文 없음');
    expect(await page.locator('#source-nhc').innerText()).toContain('브라우저 필요');
    expect(await page.locator('#source-gov-cn').innerText()).toContain('실행 기록 없음');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('renders a notice whose scraped body carries script without running any of it', async () => {
    const page = await context.newPage();
    const problems = watch(page);
    await page.goto(`${origin}/notices/${evilId}`);
    await page.waitForTimeout(300); // an onerror or onload would have fired by now
    await shot(page, 'evil');
    const original = await page.locator('#original').innerText();
    expect(original).toContain('正文第一段');
    expect(original).toContain('点击这里');
    expect(original).toContain('[그림]'); // the image is a link to it, not loaded
    const dangerous = await page.evaluate(
      () => document.querySelectorAll('script, iframe, svg, [onerror], [onclick], [onload], a[href^="javascript:"], [style*="javascript"]').length,
    );
    expect(dangerous).toBe(0);
    expect(await page.locator('#attachments').innerText()).toContain('恶意附件');
    expect(await page.locator('#attachments a').count()).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('fits a phone-width screen (375×800) on every page, the notice stacked in one column', async () => {
    const page = await context.browser()!.newPage({ viewport: { width: 375, height: 800 } });
    await page.context().addCookies([{ name: 'cpt_key', value: KEY, url: origin }]);
    for (const path of ['/', `/?q=${encodeURIComponent('医疗保障')}`, `/notices/${healthId}`, '/sources', '/subscriptions', '/digests?week=2020-W28', '/session']) {
      await page.goto(`${origin}${path}`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, path).toBeLessThanOrEqual(0);
    }
    await page.goto(`${origin}/notices/${healthId}`);
    await shot(page, 'phone-notice');
    const [ko, zh] = [await page.locator('#korean').boundingBox(), await page.locator('#original').boundingBox()];
    expect(zh!.y).toBeGreaterThan(ko!.y + ko!.height - 1);
    await page.close();
  });
});
