/**
 * The Korean pages on the server side (no browser): status codes, security headers, the API's
 * validation turned into Korean messages with a 400, the key cookie, writes refused without it
 * (401) or from another site (403), scraped markup that cannot run script, and revision diffs.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dispatcher } from '../src/alerts/dispatcher.js';
import { SOURCES } from '../scrapers/index.js';
import { createApp } from '../src/api/app.js';
import { loadIssuerDirectory } from '../src/issuers/issuer.repository.js';
import { createTestDatabase, type TestDatabase } from './support/databases.js';
import { ingestScraped, scrapedFromArchive } from './support/notices.js';

const KEY = 'analyst-key-0123456789abcdef';
const EVIL_BODY =
  '<p>正文第一段。</p><script>alert("x")</script><img src="https://www.gov.cn/a.png" onerror="alert(1)">' +
  '<a href="javascript:alert(2)">点击</a><p onclick="alert(3)">第二段</p><iframe src="https://evil.example/"></iframe>';

describe('web pages (server side)', () => {
  let t: TestDatabase;
  let app: ReturnType<typeof createApp>;
  let healthId: string;
  let evilId: string;
  const origin = 'http://127.0.0.1:3000';

  beforeAll(async () => {
    t = await createTestDatabase('pglite');
    await ingestScraped(t.db, scrapedFromArchive('02', 'https://www.gov.cn/zhengce/zhengceku/2020-06/28/content_5522280.htm'));
    healthId = (await ingestScraped(t.db, scrapedFromArchive('03', 'https://www.gov.cn/zhengce/content/2020-07/09/content_5525564.htm'))).noticeId;
    // a new text at the same URL: a second revision
    await ingestScraped(
      t.db,
      scrapedFromArchive('03', 'https://www.gov.cn/zhengce/content/2020-07/09/content_5525564.htm', {
        bodyText: '修订后的正文。各省要加强医疗保障基金监管。',
        bodyHtml: '<p>修订后的正文。</p><p>各省要加强医疗保障基金监管。</p>',
      }),
    );
    evilId = (
      await ingestScraped(
        t.db,
        scrapedFromArchive('19', 'https://www.cac.gov.cn/2023-06/20/c_0000001.htm', {
          bodyHtml: EVIL_BODY,
          attachments: [{ name: '附件1', url: 'javascript:alert(4)' }],
        }),
      )
    ).noticeId;
    // a body stored before sanitising existed (or by a faulty writer): the page must clean it again
    await t.db.updateTable('notices').set({ body_html: EVIL_BODY }).where('id', '=', evilId).execute();
    const directory = await loadIssuerDirectory(t.db);
    app = createApp({
      db: t.db,
      sources: SOURCES,
      directory: () => directory,
      authenticate: async (k) => (k === KEY ? 'analyst' : null),
      scrapes: null,
      version: 'test',
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const get = (path: string, headers: Record<string, string> = {}) => app.request(`${origin}${path}`, { headers });
  const post = (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
    app.request(`${origin}${path}`, {
      method: 'POST',
      body: new URLSearchParams(form).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    });
  const cookie = { cookie: `cpt_key=${KEY}` };

  it('serves every page with the strict CSP, nosniff and same-origin referrers', async () => {
    for (const path of ['/', '/sources', '/subscriptions', '/digests?week=2020-W26', `/notices/${healthId}`, '/session']) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toContain('text/html');
      expect(res.headers.get('content-security-policy'), path).toContain("default-src 'none'");
      expect(res.headers.get('content-security-policy'), path).not.toContain('script-src');
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), path).toBe('same-origin');
      const html = await res.text();
      expect(html, path).toMatch(/^<!DOCTYPE html><html lang="ko">/);
      expect(html, path).toContain('<meta name="viewport"');
      for (const nav of ['href="/"', 'href="/sources"', 'href="/subscriptions"', 'href="/digests"']) expect(html, path).toContain(nav);
      expect(html, path).not.toContain('<script');
    }
  });

  it('answers bad list parameters with 400 and Korean messages next to the form', async () => {
    const res = await get('/?from=2020-13-45&sector=nope&limit=0');
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('시작일: YYYY-MM-DD 형식의 실제 날짜여야 합니다');
    expect(html).toContain('분야: 알 수 없는 분야입니다');
    expect(html).toContain('표시 개수: 1에서 100 사이의 정수여야 합니다');
    expect(html).toContain('id="filters"');
    expect((await get('/?unknown=1')).status).toBe(400);
    expect(await (await get('/?from=2020-07-01&to=2020-06-01')).text()).toContain('종료일보다 늦을 수 없습니다');
    expect((await get('/?cursor=notacursor')).status).toBe(400);
    // empty fields of the GET form are "not given", not errors
    expect((await get('/?q=&from=&to=&issuer=&sort=published_desc')).status).toBe(200);
  });

  it('lists, counts and searches with the API filters', async () => {
    const html = await (await get('/?sector=health')).text();
    expect(html).toContain('총 1건');
    expect(html).toContain('국무원 판공청');
    const search = await (await get(`/?q=${encodeURIComponent('医疗保障')}`)).text();
    expect(search).toMatch(/<mark>医疗保障<\/mark>/);
    expect((await get('/notices/nope')).status).toBe(404);
  });

  it('pages with the cursor and keeps the filter', async () => {
    const first = await (await get('/?limit=2&korea_relevant=false')).text();
    const ids = (html: string) => [...html.matchAll(/data-id="([^"]+)"/g)].map((m) => m[1]);
    expect(ids(first)).toHaveLength(2);
    const next = /<a href="([^"]+)" rel="next"/.exec(first)?.[1]?.replaceAll('&amp;', '&') ?? null;
    expect(next).toMatch(/^\/\?limit=2&korea_relevant=false&cursor=/);
    const second = await (await get(next!)).text();
    expect(ids(second)).toHaveLength(1);
    expect(ids(second)[0]).not.toBe(ids(first)[0]);
    expect(ids(second)).not.toContain(ids(first)[1]);
    expect(second).toContain('« 처음으로');
    expect(second).not.toContain('rel="next"');
  });

  it('shows a notice with its revisions diffed, and never the scraped script', async () => {
    const html = await (await get(`/notices/${healthId}`)).text();
    expect(html).toContain('개정 1 → 2');
    expect(html).toContain("<ins>修订后的正文。各省要加强医疗保障基金监管。</ins>");
    expect(html).toMatch(/<del>各省、自治区、直辖市人民政府/);
    const evil = await (await get(`/notices/${evilId}`)).text();
    const body = evil.slice(evil.indexOf('id="original"'));
    expect(body).toContain('正文第一段');
    expect(body).not.toMatch(/<script|onerror|onclick|javascript:|<iframe/i);
    expect(evil).not.toMatch(/href="javascript:/i);
    expect(evil).toContain('附件1');
  });

  it('sets the key cookie HttpOnly, SameSite=Strict, Path=/, and Secure only over https', async () => {
    const bad = await post('/session', { key: 'wrong-key-wrong-key', next: '/' });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('set-cookie')).toBeNull();
    const ok = await post('/session', { key: KEY, next: '/subscriptions' });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/subscriptions');
    const set = ok.headers.get('set-cookie')!;
    expect(set).toMatch(/^cpt_key=/);
    expect(set).toMatch(/HttpOnly/i);
    expect(set).toMatch(/SameSite=Strict/i);
    expect(set).toMatch(/Path=\//);
    expect(set).not.toMatch(/Secure/i);
    const https = await app.request('https://cpt.example/session', {
      method: 'POST',
      body: new URLSearchParams({ key: KEY, next: '//evil.example/' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(https.headers.get('set-cookie')).toMatch(/Secure/);
    expect(https.headers.get('location')).toBe('/'); // never another site
    expect((await post('/session', { key: KEY }, { origin: 'https://evil.example' })).status).toBe(403);
    const logout = await post('/session/logout', {}, cookie);
    expect(logout.status).toBe(303);
    expect(logout.headers.get('set-cookie')).toMatch(/cpt_key=;/);
  });

  it('refuses writes without the key cookie (401) and from another site (403)', async () => {
    const form = { title_ko: '새 제목', summary_ko: '새 요약' };
    expect((await post(`/notices/${healthId}/summary`, form)).status).toBe(401);
    expect((await post(`/notices/${healthId}/summary`, form, { cookie: 'cpt_key=not-a-key-at-all' })).status).toBe(401);
    expect((await post(`/notices/${healthId}/summary`, form, { ...cookie, origin: 'https://evil.example' })).status).toBe(403);
    expect((await post(`/notices/${healthId}/summary`, form, { ...cookie, 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    const sub = { kind: 'alert', channel_type: 'email', to: 'a@example.com' };
    expect((await post('/subscriptions', sub)).status).toBe(401);
    expect((await post('/subscriptions', sub, { ...cookie, origin: 'https://evil.example' })).status).toBe(403);
    expect((await post('/subscriptions/sub_x/delete', {})).status).toBe(401);
    expect((await post('/subscriptions/sub_x/status', { status: 'disabled' })).status).toBe(401);
    expect((await post('/subscriptions/sub_x/test', {})).status).toBe(401);
    const row = await t.db.selectFrom('notices').select('summary_status').where('id', '=', healthId).executeTakeFirstOrThrow();
    expect(row.summary_status).toBe('machine');
  });

  it('with CPT_READ_AUTH=1, sends a browser without the key cookie to the key form first', async () => {
    const directory = await loadIssuerDirectory(t.db);
    const closed = createApp({
      db: t.db,
      sources: SOURCES,
      directory: () => directory,
      authenticate: async (k) => (k === KEY ? 'analyst' : null),
      access: { readAuth: true, rateLimitPerMinute: 0, trustProxy: false },
      scrapes: null,
      version: 'test',
    });
    for (const path of ['/', '/?sector=health', `/notices/${healthId}`, '/sources', '/digests']) {
      const res = await closed.request(`${origin}${path}`);
      expect(res.status, path).toBe(303);
      expect(res.headers.get('location'), path).toBe(`/session?next=${encodeURIComponent(path)}`);
      expect((await closed.request(`${origin}${path}`, { headers: cookie })).status, path).toBe(200);
    }
    expect((await closed.request(`${origin}/session`)).status).toBe(200);
  });

  it('stores a reviewed summary from the form and re-indexes it for search', async () => {
    const empty = await post(`/notices/${healthId}/summary`, { title_ko: ' ', summary_ko: '요약' }, { ...cookie, origin });
    expect(empty.status).toBe(400);
    expect(await empty.text()).toContain('한국어 제목을 입력하세요.');
    const res = await post(`/notices/${healthId}/summary`, { title_ko: '의료보장기금 관리 통지 (검토)', summary_ko: '분석가가 고친 요약: 검토어휘' }, { ...cookie, origin });
    expect(res.status).toBe(303);
    const row = await t.db.selectFrom('notices').select(['summary_status', 'reviewed_by', 'title_ko']).where('id', '=', healthId).executeTakeFirstOrThrow();
    expect(row).toEqual({ summary_status: 'reviewed', reviewed_by: 'analyst', title_ko: '의료보장기금 관리 통지 (검토)' });
    const found = await (await get(`/?q=${encodeURIComponent('검토어휘')}`)).text();
    expect(found).toContain('총 1건');
    expect(found).toContain('검토 완료');
  });

  it('creates, pauses and deletes a subscription through the forms, with the API\'s validation', async () => {
    const bad = await post('/subscriptions', { kind: 'alert', channel_type: 'email', to: 'not-an-address' }, cookie);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('이메일 주소');
    const unsafe = await post('/subscriptions', { kind: 'alert', channel_type: 'webhook', url: 'http://127.0.0.1:9/hook', format: 'standard' }, cookie);
    expect(unsafe.status).toBe(400);
    expect(await unsafe.text()).toContain('웹훅 주소');
    const created = await post('/subscriptions', { kind: 'alert', channel_type: 'email', to: 'analyst@example.com', sector: 'health', keywords: '医保, 의료보장', events: 'notice.created' }, cookie);
    expect(created.status).toBe(200);
    const sub = await t.db.selectFrom('subscriptions').selectAll().executeTakeFirstOrThrow();
    expect(sub.filter).toEqual({ sectors: ['health'], keywords: ['医保', '의료보장'] });
    expect(sub.created_by).toBe('analyst');
    expect((await post(`/subscriptions/${sub.id}/status`, { status: 'disabled' }, cookie)).headers.get('location')).toBe('/subscriptions?done=paused');
    expect((await t.db.selectFrom('subscriptions').select('status').where('id', '=', sub.id).executeTakeFirstOrThrow()).status).toBe('disabled');
    expect((await post(`/subscriptions/${sub.id}/test`, {}, cookie)).status).toBe(503); // this app sends no alerts
    expect((await post(`/subscriptions/${sub.id}/delete`, {}, cookie)).status).toBe(303);
    expect(await t.db.selectFrom('subscriptions').selectAll().execute()).toEqual([]);
    expect((await post(`/subscriptions/${sub.id}/delete`, {}, cookie)).status).toBe(404);
  });
});

describe('the subscriptions page with a webhook receiver', () => {
  let t: TestDatabase;
  let app: ReturnType<typeof createApp>;
  let receiver: Server;
  let hookUrl: string;
  const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
  const origin = 'http://127.0.0.1:3000';
  const cookie = { cookie: `cpt_key=${KEY}`, 'content-type': 'application/x-www-form-urlencoded' };

  beforeAll(async () => {
    t = await createTestDatabase('pglite');
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const directory = await loadIssuerDirectory(t.db);
    const dispatcher = new Dispatcher({
      db: t.db,
      retrySchedule: [1000],
      allowPrivate: true,
      timeoutMs: 5000,
      disableAfterMs: 86_400_000,
      mailer: null,
      publicUrl: () => null,
    });
    app = createApp({
      db: t.db,
      sources: SOURCES,
      directory: () => directory,
      authenticate: async (k) => (k === KEY ? 'analyst' : null),
      scrapes: null,
      version: 'test',
      alerts: { dispatcher, allowPrivate: true },
    });
  });
  afterAll(async () => {
    await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
    await t?.close();
  });

  it('shows a new webhook\'s secret once, sends a signed test event, and lists recent deliveries', async () => {
    const form = new URLSearchParams({ kind: 'alert', channel_type: 'webhook', url: hookUrl, format: 'standard', events: 'notice.created' });
    form.append('events', 'notice.updated');
    const created = await app.request(`${origin}/subscriptions`, { method: 'POST', body: form.toString(), headers: cookie });
    expect(created.status).toBe(200);
    const html = await created.text();
    const secret = /<code id="secret">(whsec_[^<]+)<\/code>/.exec(html)?.[1];
    expect(secret).toBeDefined();
    const row = await t.db.selectFrom('subscriptions').selectAll().executeTakeFirstOrThrow();
    expect(row.secret).toBe(secret);
    expect(row.events).toEqual(['notice.created', 'notice.updated']);
    // the list afterwards never shows the secret again
    expect(await (await app.request(`${origin}/subscriptions`, { headers: cookie })).text()).not.toContain(secret!);

    const tested = await app.request(`${origin}/subscriptions/${row.id}/test`, { method: 'POST', body: '', headers: cookie });
    expect(tested.status).toBe(200);
    expect(await tested.text()).toContain('테스트 이벤트를 보냈습니다');
    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0]!.body)).toMatchObject({ type: 'subscription.test', data: { subscription_id: row.id } });
    expect(received[0]!.headers['webhook-signature']).toMatch(/^v1,/);

    const { noticeId } = await ingestScraped(t.db, scrapedFromArchive('02', 'https://www.gov.cn/zhengce/zhengceku/2020-06/28/content_5522280.htm'));
    await t.db
      .insertInto('deliveries')
      .values({ id: 'msg_page_1', subscription_id: row.id, notice_id: noticeId, event: 'notice.created', event_key: 'k1', status: 'dead', attempts: 3, last_status: 500, last_error: 'HTTP 500' })
      .execute();
    const listed = await (await app.request(`${origin}/subscriptions`, { headers: cookie })).text();
    expect(listed).toContain('전달: 대기 0 · 전달됨 0 · 실패 1');
    expect(listed).toContain('최근 전달 1건');
    expect(listed).toContain(`href="/notices/${noticeId}"`);
    expect(listed).toContain('500 HTTP 500');
  });
});
