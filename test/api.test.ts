import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SOURCES } from '../scrapers/index.js';
import { createApp } from '../src/api/app.js';
import { apiKeyAuthenticator } from '../src/api/api-keys.js';
import type { ScrapeLauncher } from '../src/api/app-deps.js';
import { loadIssuerDirectory } from '../src/issuers/issuer.repository.js';
import type { IssuerDirectory } from '../src/issuers/issuer.directory.js';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from './support/databases.js';
import { GOOD_PAGES, GOV_CN_EXPECTED, loadGovCnFixtures } from './support/fixture-store.js';
import { ingestScraped, scrapedFromArchive } from './support/notices.js';

const KEY = 'analyst:0123456789abcdef0123';

describeEachDatabase('API', (kind) => {
  let t: TestDatabase;
  let directory: IssuerDirectory;
  let app: ReturnType<typeof createApp>;
  const launched: string[] = [];
  const launcher: ScrapeLauncher = {
    start(sourceId) {
      if (launched.includes(sourceId)) return false;
      launched.push(sourceId);
      return true;
    },
  };

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    await loadGovCnFixtures(t.db);
    directory = await loadIssuerDirectory(t.db);
    app = createApp({
      db: t.db,
      sources: SOURCES,
      directory: () => directory,
      authenticate: apiKeyAuthenticator(t.db, [{ name: 'analyst', key: KEY.split(':')[1]! }]),
      scrapes: launcher,
      version: 'test',
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const get = async (path: string) => {
    const res = await app.request(path);
    return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as any };
  };

  it('lists notices newest first with every field', async () => {
    const { status, body } = await get('/api/notices?limit=100');
    expect(status).toBe(200);
    expect(body.items).toHaveLength(GOOD_PAGES.length);
    const dates = body.items.map((n: any) => n.published_date ?? n.written_date);
    expect([...dates].sort().reverse()).toEqual(dates);
    const electricity = body.items.find((n: any) => n.doc_number === '发改价格〔2020〕994号');
    expect(electricity).toMatchObject({
      source: 'gov-cn',
      url: 'https://www.gov.cn/zhengce/zhengceku/2020-06/28/content_5522280.htm',
      archive_id: null,
      title_zh: '国家发展改革委关于延长阶段性降低企业用电成本政策的通知',
      doc_type: '通知',
      issuers: [{ name_zh: '国家发展改革委', name_ko: '국가발전개혁위원회' }],
      written_date: '2020-06-24',
      published_date: '2020-06-28',
      topic_zh: '国土资源、能源\\电力',
      summary_status: 'machine',
      attachments: [],
      revision: 1,
    });
    expect(electricity.title_ko).toMatch(/^국가발전개혁위원회 .+에 관한 통지$/);
    expect(electricity.summary_ko).toContain('95%');
    expect(electricity.sectors[0]).toMatchObject({ code: 'energy', name_ko: '에너지·전력' });
    expect(Object.keys(electricity).sort()).toEqual(
      [
        'id', 'source', 'url', 'archive_id', 'title_zh', 'title_ko', 'doc_number', 'doc_type', 'issuers', 'written_date',
        'published_date', 'effective_date', 'topic_zh', 'sectors', 'korea_relevant', 'korea_reasons', 'summary_ko', 'summary_status',
        'attachments', 'first_seen_at', 'revision',
      ].sort(),
    );
    expect(body.next_cursor).toBeNull();
  });

  it('returns one notice with text, sanitised HTML and its URLs; 404 for an unknown id', async () => {
    const list = await get('/api/notices?issuer=国家发展改革委&doc_type=通知&from=2020-06-01&to=2020-06-30');
    expect(list.body.items).toHaveLength(1);
    const { status, body } = await get(`/api/notices/${list.body.items[0].id}`);
    expect(status).toBe(200);
    expect(body.body_text).toContain('统一延续按原到户电价水平的95%结算');
    expect(body.body_html).toContain('<p');
    expect(body.body_html).not.toMatch(/<script|onclick|javascript:/i);
    expect(body.urls).toEqual(['https://www.gov.cn/zhengce/zhengceku/2020-06/28/content_5522280.htm']);
    const missing = await get('/api/notices/nzzzzzzzzzzzzzzzzz');
    expect(missing.status).toBe(404);
    expect(missing.type).toMatch(/application\/problem\+json/);
    expect(missing.body).toMatchObject({ status: 404, title: 'Not Found' });
  });

  it('filters by issuer (name or alias; repeated = OR), type, source and dates (AND across)', async () => {
    const byAlias = await get('/api/notices?issuer=国家发展和改革委员会');
    const byName = await get('/api/notices?issuer=国家发展改革委');
    expect(byAlias.body.items.map((n: any) => n.id)).toEqual(byName.body.items.map((n: any) => n.id));
    expect(byName.body.items.length).toBeGreaterThan(0);
    for (const n of byName.body.items) expect(n.issuers.map((i: any) => i.name_zh)).toContain('国家发展改革委');

    const mof = (await get('/api/notices?issuer=财政部&limit=100')).body.items;
    const nhsa = (await get('/api/notices?issuer=国家医保局&limit=100')).body.items;
    const either = (await get('/api/notices?issuer=财政部&issuer=国家医保局&limit=100')).body.items;
    expect(new Set(either.map((n: any) => n.id))).toEqual(new Set([...mof, ...nhsa].map((n: any) => n.id)));

    const notices = (await get('/api/notices?doc_type=公告&limit=100')).body.items;
    const expectedNotices = GOOD_PAGES.filter((u) => GOV_CN_EXPECTED[u].doc_type === '公告');
    expect(notices).toHaveLength(expectedNotices.length);
    const both = (await get('/api/notices?doc_type=公告&doc_type=函&limit=100')).body.items;
    expect(both.length).toBe(expectedNotices.length + GOOD_PAGES.filter((u) => GOV_CN_EXPECTED[u].doc_type === '函').length);

    const mofNotices = (await get('/api/notices?issuer=财政部&doc_type=公告&limit=100')).body.items;
    expect(mofNotices.every((n: any) => n.doc_type === '公告' && n.issuers.some((i: any) => i.name_zh === '财政部'))).toBe(true);

    const in2020 = (await get('/api/notices?from=2020-01-01&to=2020-12-31&limit=100')).body.items;
    expect(in2020.length).toBeGreaterThan(3);
    for (const n of in2020) expect(n.published_date ?? n.written_date).toMatch(/^2020-/);
    expect((await get('/api/notices?source=gov-cn&limit=100')).body.items).toHaveLength(GOOD_PAGES.length);
  });

  it('finds every notice containing a Chinese string (q=医疗保障), exactly', async () => {
    const { body } = await get('/api/notices?q=医疗保障&limit=100');
    const containing = await t.db
      .selectFrom('notices')
      .select('id')
      .where(sql<boolean>`strpos(title_zh || ' ' || body_text, '医疗保障') > 0`)
      .execute();
    expect(containing.length).toBeGreaterThanOrEqual(2);
    expect(new Set(body.items.map((n: any) => n.id))).toEqual(new Set(containing.map((r) => r.id)));
    expect(body.items.map((n: any) => n.doc_number)).toContain('国办发〔2020〕20号');
    // every bigram present but not the string: no match
    expect((await get('/api/notices?q=保障医疗')).body.items.every((n: any) => n.title_zh.includes('保障医疗'))).toBe(true);
    // two characters, a 文号 and a term that never occurs
    expect((await get('/api/notices?q=电价')).body.items.length).toBeGreaterThan(0);
    expect((await get('/api/notices?q=发改价格〔2020〕994号')).body.items).toHaveLength(1);
    expect((await get('/api/notices?q=量子引力')).body.items).toEqual([]);
    // several terms: all must match
    const both = (await get('/api/notices?q=医疗保障 基金')).body.items;
    for (const n of both) expect(n.title_zh.includes('基金') || n.doc_number === '国办发〔2020〕20号').toBe(true);
  });

  it('searches titles for a single character', async () => {
    const { body } = await get('/api/notices?q=函&limit=100');
    expect(body.items.length).toBeGreaterThan(0);
    for (const n of body.items) expect(n.title_zh).toContain('函');
  });

  it('pages with a cursor that stays correct when newer notices arrive', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let first = true;
    do {
      const page: any = (await get(`/api/notices?limit=4${cursor ? `&cursor=${cursor}` : ''}`)).body;
      seen.push(...page.items.map((n: any) => n.id));
      cursor = page.next_cursor;
      if (first) {
        // a notice newer than everything arrives between pages
        await ingestScraped(t.db, scrapedFromArchive('31', 'https://www.gov.cn/zhengce/content/209901/content_1.htm', { publishedDate: '2099-01-01', docNumber: null, titleZh: '国家发展改革委 国家数据局关于某项新工作的通知' }));
        first = false;
      }
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toHaveLength(GOOD_PAGES.length);
  });

  it('answers invalid parameters with 400 problem+json naming each one', async () => {
    const cases: Array<[string, string[]]> = [
      ['from=2020-13-45', ['from']],
      ['limit=0', ['limit']],
      ['limit=101', ['limit']],
      ['limit=abc', ['limit']],
      ['source=nowhere', ['source']],
      ['to=2020-1-1', ['to']],
      ['from=2021-01-01&to=2020-01-01', ['from']],
      ['cursor=not-a-cursor', ['cursor']],
      ['q=', ['q']],
      ['sort=weird', ['sort']],
      ['from=2020-13-45&limit=0&source=x', ['from', 'limit', 'source']],
    ];
    for (const [query, params] of cases) {
      const res = await get(`/api/notices?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.type).toMatch(/^application\/problem\+json/);
      expect(res.body.errors.map((e: any) => e.parameter).sort(), query).toEqual(params.sort());
      expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+/);
    }
  });

  it('shows sources with their last run', async () => {
    const { status, body } = await get('/api/sources');
    expect(status).toBe(200);
    expect(body.items[0]).toMatchObject({ id: 'gov-cn', base_url: 'https://www.gov.cn', notices: GOOD_PAGES.length + 1, last_run: null });
  });

  it('needs an API key to start a scrape', async () => {
    const post = (path: string, auth?: string) =>
      app.request(path, { method: 'POST', headers: auth ? { authorization: auth } : {} });
    const none = await post('/api/sources/gov-cn/scrape');
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toMatch(/problem\+json/);
    expect(none.headers.get('www-authenticate')).toMatch(/Bearer/);
    expect((await post('/api/sources/gov-cn/scrape', 'Bearer wrong-key-wrong-key')).status).toBe(401);
    const ok = await post('/api/sources/gov-cn/scrape', `Bearer ${KEY.split(':')[1]}`);
    expect(ok.status).toBe(202);
    expect(launched).toEqual(['gov-cn']);
    expect((await post('/api/sources/gov-cn/scrape', `Bearer ${KEY.split(':')[1]}`)).status).toBe(409);
    expect((await post('/api/sources/nope/scrape', `Bearer ${KEY.split(':')[1]}`)).status).toBe(404);
  });

  it('publishes an OpenAPI document, Swagger UI and a health check', async () => {
    const doc = await get('/openapi.json');
    expect(Object.keys(doc.body.paths).sort()).toEqual(
      [
        '/api/notices', '/api/notices/facets', '/api/notices/{id}', '/api/notices/{id}/summary', '/api/sectors', '/api/issuers', '/api/sources', '/api/sources/{id}/scrape',
        '/api/digests/{week}', '/api/subscriptions', '/api/subscriptions/{id}', '/api/subscriptions/{id}/deliveries', '/api/subscriptions/{id}/test',
        '/feeds/notices.atom', '/feeds/notices.json', '/feeds/notices.rss',
      ].sort(),
    );
    expect(doc.body.paths['/api/notices'].get.parameters.map((p: any) => p.name)).toEqual(
      expect.arrayContaining([
        'source', 'issuer', 'doc_type', 'sector', 'korea_relevant', 'from', 'to', 'written_from', 'written_to', 'q',
        'sort', 'fields', 'format', 'limit', 'cursor',
      ]),
    );
    expect((await app.request('/docs')).status).toBe(200);
    expect((await get('/healthz')).body.status).toBe('ok');
    expect((await get('/nowhere')).status).toBe(404);
  });
});
