/**
 * The fault suite: a loopback mirror that answers what real sites answer — 429 then 200, 503 again
 * and again, a response slower than the timeout, a 瑞数 412 challenge, a 加速乐 521 challenge, a 403
 * burst ban, a GBK page, a truncated page, a page without its body container. The run ends `partial`
 * with each bad URL and its reason; every good notice is stored exactly once; a later run stores the
 * rest, again exactly once.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import govCn from '../scrapers/gov-cn/index.js';
import { runScrape, type ScrapeDeps } from '../src/scrape/scrape-runner.js';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from './support/databases.js';
import { GOOD_PAGES, GOV_CN_MIRROR } from './support/fixture-store.js';
import { type MirrorServer, startMirrorServer } from './support/mirror-server.js';
import { loopbackScrapeDeps } from './support/scrape-deps.js';

const RUISHU_412 =
  '<html><head><meta content="{qqqqqqqqqqqqqqqqqqqqqq.qqqqqqq}" r="m"><script>$_ts=window.$_ts||{};$_ts.nsd=12345;</script>' +
  '<script src="/c4bUQe0Bq1hM/zQMIqG9lJ7PE.b4c45da.js" r="m"></script></head><body></body></html>';
const JSL_521 = '<script>document.cookie=("__jsl_clearance=1700000000.123|0|"+"abc");location.href=location.pathname+location.search</script>';

const path = (url: string) => new URL(url).pathname;

describeEachDatabase('fault suite', (kind) => {
  let t: TestDatabase;
  let mirror: MirrorServer;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
    mirror = await startMirrorServer(GOV_CN_MIRROR);
  });
  afterAll(async () => {
    await mirror?.close();
    await t?.close();
  });

  const deps = (): Promise<ScrapeDeps> => loopbackScrapeDeps(t.db, mirror.origin, { timeoutMs: 400, retries: 2, banPauseMs: 100 });

  const storedUrls = async () =>
    (await sql<{ url: string; n: number }>`select url, count(*)::int as n from notice_sources group by url`.execute(t.db)).rows;

  it('keeps every good notice exactly once and names each bad URL with its reason', async () => {
    const gbk = 'https://www.gov.cn/zhengce/zhengceku/2020-02/28/content_5484631.htm';
    const [rateLimited, flaky, slow, ruishu, jsl, banned, unavailable] = GOOD_PAGES.filter((u) => u !== gbk) as [
      string, string, string, string, string, string, string,
    ];
    mirror.faults.set(path(rateLimited), { statuses: [429], headers: { 'retry-after': '0' } });
    mirror.faults.set(path(flaky), { statuses: [503, 502] });
    mirror.faults.set(path(slow), { delayMs: 1_500 });
    mirror.faults.set(path(ruishu), { status: 412, body: RUISHU_412, headers: { 'set-cookie': 'NfBCSins2OywO=abc; path=/' } });
    mirror.faults.set(path(jsl), { status: 521, body: JSL_521 });
    mirror.faults.set(path(banned), { statuses: [403] });
    mirror.faults.set(path(unavailable), { statuses: [503, 503, 503, 503] });

    const summary = await runScrape(await deps(), govCn);
    expect(summary.status).toBe('partial');
    const reasons = new Map(summary.problems.filter((p) => p.kind === 'error').map((p) => [p.url, p.reason]));
    expect(reasons.get(slow)).toMatch(/no response within 400 ms/);
    expect(reasons.get(ruishu)).toBe('anti-bot challenge (HTTP 412)');
    expect(reasons.get(jsl)).toBe('anti-bot challenge (HTTP 521)');
    expect(reasons.get(unavailable)).toMatch(/HTTP 503/);
    expect(reasons.get('https://www.gov.cn/zhengce/zhengceku/2021-09/28/content_5639817.htm')).toMatch(/^truncated/);
    expect(reasons.get('https://www.gov.cn/zhengce/zhengceku/2019-05/27/content_5395118.htm')).toMatch(/^no_body/);
    expect(reasons.has(rateLimited)).toBe(false);
    expect(reasons.has(flaky)).toBe(false);
    expect(reasons.has(banned)).toBe(false);
    // the challenge pages were asked for once: challenges are not retried
    expect(mirror.requests.filter((r) => r.path === path(ruishu))).toHaveLength(1);

    const stored = await storedUrls();
    expect(stored.every((r) => r.n === 1)).toBe(true);
    const expectedNow = GOOD_PAGES.filter((u) => ![slow, ruishu, jsl, unavailable].includes(u));
    expect(stored.map((r) => r.url).sort()).toEqual(expectedNow.sort());
    expect(stored.map((r) => r.url)).toContain(gbk);
    const gbkNotice = await t.db.selectFrom('notices').select(['title_zh']).where('url', '=', gbk).executeTakeFirstOrThrow();
    expect(gbkNotice.title_zh).toBe('财政部 税务总局关于支持个体工商户复工复业增值税政策的公告');

    const run = await t.db.selectFrom('scrape_runs').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(run).toMatchObject({ status: 'partial', failed: summary.counts.failed });
    expect(run.errors.filter((e) => e.kind === 'error')).toHaveLength(summary.counts.failed);

    // the faults clear: a full run stores the rest, still exactly once
    mirror.faults.clear();
    const second = await runScrape(await deps(), govCn, { full: true });
    expect(second.counts.new).toBe(4);
    const after = await storedUrls();
    expect(after.every((r) => r.n === 1)).toBe(true);
    expect(after.map((r) => r.url).sort()).toEqual([...GOOD_PAGES].sort());
  });

  it('reports a challenge on the list as blocked, with the status code', async () => {
    mirror.faults.set('/zhengce/zhengceku/gwywj/TONGYONGGAILAN.json', { status: 412, body: RUISHU_412 });
    mirror.faults.set('/zhengce/zhengceku/bmwj/TONGYONGGAILAN.json', { status: 521, body: JSL_521 });
    const summary = await runScrape(await deps(), govCn);
    expect(summary).toMatchObject({ status: 'blocked', message: 'blocked (anti-bot challenge, HTTP 412)' });
    const run = await t.db.selectFrom('scrape_runs').select(['status', 'last_http_status']).orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(run).toEqual({ status: 'blocked', last_http_status: 521 });
    mirror.faults.clear();
  });
});
