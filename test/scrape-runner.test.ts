/**
 * The scrape runner against a loopback mirror: statuses for list failures, page problems recorded
 * with URL and reason while every good notice is kept, --limit, reparse from stored bytes, and the
 * CLI's exit codes.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import govCn from '../scrapers/gov-cn/index.js';
import { SOURCES } from '../scrapers/index.js';
import { createApp } from '../src/api/app.js';
import { apiKeyAuthenticator } from '../src/api/api-keys.js';
import { sourceHealth } from '../src/api/sources.routes.js';
import { loadIssuerDirectory } from '../src/issuers/issuer.repository.js';
import { runReparse } from '../src/scrape/reparse.js';
import { runScrape, type ScrapeDeps } from '../src/scrape/scrape-runner.js';
import { runCli, testEnv } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/databases.js';
import { GOOD_PAGES, GOV_CN_MIRROR } from './support/fixture-store.js';
import { type MirrorServer, startMirrorServer } from './support/mirror-server.js';
import { loopbackScrapeDeps } from './support/scrape-deps.js';

let mirror: MirrorServer;
let t: TestDatabase;

const FEED_GW = '/zhengce/zhengceku/gwywj/TONGYONGGAILAN.json';
const FEED_BM = '/zhengce/zhengceku/bmwj/TONGYONGGAILAN.json';

function deps(): Promise<ScrapeDeps> {
  return loopbackScrapeDeps(t.db, mirror.origin);
}

beforeAll(async () => {
  mirror = await startMirrorServer(GOV_CN_MIRROR);
});
afterAll(async () => {
  await mirror?.close();
});
beforeEach(async () => {
  mirror.faults.clear();
  await t?.close();
  t = await createTestDatabase('pglite');
});
afterAll(async () => {
  await t?.close();
});

describe('scrape runner', () => {
  it('reports an unreachable list (5xx after retries) and stores nothing', async () => {
    mirror.faults.set(FEED_GW, { statuses: [503, 503, 503] });
    mirror.faults.set(FEED_BM, { statuses: [503, 503, 503] });
    const summary = await runScrape(await deps(), govCn);
    expect(summary).toMatchObject({ status: 'unreachable', message: expect.stringMatching(/HTTP 503/) });
    expect(summary.problems.map((p) => p.url)).toEqual([`https://www.gov.cn${FEED_GW}`, `https://www.gov.cn${FEED_BM}`]);
    const run = await t.db.selectFrom('scrape_runs').selectAll().executeTakeFirstOrThrow();
    expect(run).toMatchObject({ status: 'unreachable', last_http_status: 503 });
    expect(run.finished_at).not.toBeNull();
  });

  it('reports an anti-bot challenge as blocked with its status, and a changed feed as failed', async () => {
    mirror.faults.set(FEED_GW, { status: 412, body: '<html><script>$_ts=1</script></html>' });
    mirror.faults.set(FEED_BM, { status: 412, body: '<html><script>$_ts=1</script></html>' });
    expect(await runScrape(await deps(), govCn)).toMatchObject({ status: 'blocked', message: 'blocked (anti-bot challenge, HTTP 412)' });
    mirror.faults.set(FEED_GW, { body: '<html>系统维护中</html>', contentType: 'text/html' });
    mirror.faults.set(FEED_BM, { body: '{"list": []}', contentType: 'application/json' });
    const failed = await runScrape(await deps(), govCn);
    expect(failed.status).toBe('failed');
    expect(failed.problems.map((p) => p.reason).join('\n')).toMatch(/not JSON[\s\S]*expected a JSON array/);
  });

  it('keeps going past a failing column and failing pages: partial, every good notice stored', async () => {
    mirror.faults.set(FEED_GW, { statuses: [500, 500] });
    mirror.faults.set('/zhengce/zhengceku/2020-06/28/content_5522280.htm', { statuses: [429], headers: { 'retry-after': '0' } });
    const summary = await runScrape(await deps(), govCn);
    expect(summary.status).toBe('partial');
    expect(summary.problems.find((p) => p.stage === 'list')?.reason).toMatch(/HTTP 500/);
    const stored = await t.db.selectFrom('notice_sources').select('url').execute();
    expect(stored.length).toBe(summary.counts.new);
    expect(stored.map((s) => s.url)).toContain('https://www.gov.cn/zhengce/zhengceku/2020-06/28/content_5522280.htm');
  });

  it('honours --limit and refuses a second concurrent run of one source', async () => {
    const d = await deps();
    const limited = await runScrape(d, govCn, { limit: 3 });
    expect(limited.counts.seen).toBe(3);
    const [a, b] = await Promise.all([runScrape(d, govCn), runScrape(d, govCn)]);
    expect([a.status, b.status].filter((s) => s === 'skipped')).toHaveLength(1);
    expect([a, b].find((s) => s.status === 'skipped')!.message).toMatch(/already running/);
  });

  it('reparses stored pages without fetching: unchanged notices stay unchanged', async () => {
    const d = await deps();
    await runScrape(d, govCn);
    const before = mirror.requests.length;
    const summary = await runReparse(d, govCn);
    expect(mirror.requests.length).toBe(before);
    expect(summary.counts).toMatchObject({ seen: GOOD_PAGES.length + 3, unchanged: GOOD_PAGES.length, new: 0, updated: 0, failed: 3 });
    const runs = await t.db.selectFrom('scrape_runs').select('mode').orderBy('id').execute();
    expect(runs.map((r) => r.mode)).toEqual(['incremental', 'reparse']);
  });
});

describe('source health', () => {
  it('skips a source that needs a browser unless CPT_BROWSER=1, and records why', async () => {
    mirror.requests.length = 0;
    const summary = await runScrape(await deps(), { ...govCn, needsBrowser: true });
    expect(summary.status).toBe('skipped');
    expect(summary.message).toMatch(/anti-bot JavaScript challenge.*CPT_BROWSER=1/);
    expect(mirror.requests.filter((r) => r.path.includes('TONGYONGGAILAN'))).toHaveLength(0);
    const run = await t.db.selectFrom('scrape_runs').select(['status', 'message']).executeTakeFirstOrThrow();
    expect(run.status).toBe('skipped');
  });

  it('flags a source stale when its newest notice is older than its cadence', async () => {
    await runScrape(await deps(), govCn);
    const directory = await loadIssuerDirectory(t.db);
    const app = createApp({ db: t.db, sources: SOURCES, directory: () => directory, authenticate: apiKeyAuthenticator(t.db, []), scrapes: null, version: 't', staleDays: new Map([['gov-cn', 2]]) });
    const fresh = (await (await app.request('/api/sources')).json()) as any;
    expect(fresh.items[0]).toMatchObject({ id: 'gov-cn', stale: false, stale_after_days: 2, days_since_last_notice: 0 });
    await t.db.updateTable('notice_sources').set({ first_seen_at: new Date(Date.now() - 5 * 86_400_000) }).execute();
    const quiet = (await (await app.request('/api/sources')).json()) as any;
    expect(quiet.items[0]).toMatchObject({ stale: true, days_since_last_notice: 5 });
    expect(sourceHealth(govCn, null, null, undefined, Date.now())).toMatchObject({ stale: false, stale_after_days: govCn.cadenceDays });
  });
});

describe('cpt exit codes', () => {
  it('2 for bad usage, 3 when a source is unreachable or blocked', async () => {
    const env = testEnv({ DATA_DIR: '/nonexistent/never-created' });
    for (const args of [['scrape', 'nowhere'], ['scrape', '--limit', '0'], ['frobnicate'], ['scrape', '--bogus']]) {
      const result = await runCli(args, env);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/unknown|invalid|error/i);
    }
    const dataDir = (await import('node:fs')).mkdtempSync(`${(await import('node:os')).tmpdir()}/cpt-exit-`);
    const unreachable = await runCli(['scrape', 'gov-cn'], testEnv({ DATA_DIR: dataDir, CPT_HOST_MAP: 'www.gov.cn=http://127.0.0.1:9', CPT_HTTP_RETRIES: '0' }));
    expect(unreachable.code).toBe(3);
    expect(unreachable.stdout).toMatch(/gov-cn\s+blocked .*robots\.txt unreachable/);
    mirror.faults.set('/robots.txt', { body: 'User-agent: *\nDisallow: /zhengce/\n', contentType: 'text/plain' });
    const blocked = await runCli(['scrape', 'gov-cn'], testEnv({ DATA_DIR: dataDir, CPT_HOST_MAP: `www.gov.cn=${mirror.origin}` }));
    expect(blocked.code).toBe(3);
    expect(blocked.stdout).toMatch(/gov-cn\s+blocked .*disallowed by https:\/\/www\.gov\.cn\/robots\.txt/);
    const bad = await runCli(['serve'], testEnv({ DATA_DIR: dataDir, CPT_HOST_MAP: 'www.gov.cn' }));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/CPT_HOST_MAP: "www.gov.cn" is not host=origin/);
  });
});
