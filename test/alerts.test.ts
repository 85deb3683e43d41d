/**
 * Alerts end to end on real databases, with receivers on loopback: subscriptions through the API,
 * deliveries recorded in the ingest transaction, signed webhooks (Standard Webhooks) that verify,
 * retries under one webhook-id, crash recovery of the dispatcher, dead letters and disabled
 * endpoints, the SSRF guard, Slack-compatible bodies, e-mail through a local SMTP server with
 * unsubscribe, digest e-mails and feeds.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as cheerio from 'cheerio';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { XMLValidator } from 'fast-xml-parser';
import { z } from 'zod';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SOURCES } from '../scrapers/index.js';
import { Dispatcher } from '../src/alerts/dispatcher.js';
import { createMailer } from '../src/alerts/mailer.js';
import { Outbox } from '../src/alerts/outbox.js';
import { assertSafeWebhookUrl, isPrivateAddress, verifyWebhook } from '../src/alerts/webhook.js';
import { createApp } from '../src/api/app.js';
import { apiKeyAuthenticator } from '../src/api/api-keys.js';
import { sendDigestEmails } from '../src/digest/digest-mail.js';
import { createEnricher } from '../src/enrichment/index.js';
import { loadIssuerDirectory } from '../src/issuers/issuer.repository.js';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from './support/databases.js';
import { ingestScraped, scrapedFromArchive } from './support/notices.js';
import { importPaths } from '../src/archive/import.js';
import { ingestNotice } from '../src/notices/notice.ingest.js';
import { normalizeNotice } from '../src/notices/notice.normalize.js';
import { BUNDLED_ARCHIVE_DIR } from '../src/archive/bundled-archive.js';
import { join } from 'node:path';

const KEY = 'alerts-key-0123456789abcdef';

interface Received {
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

/**
 * A webhook receiver that answers from a script of statuses (then 204), or always 500 on the paths
 * in `failing`, and records everything.
 */
async function startReceiver() {
  const received: Received[] = [];
  const script: number[] = [];
  const failing = new Set<string>();
  let hang = false;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      received.push({ url: req.url ?? '', headers: req.headers, body, at: Date.now() });
      if (hang) return; // never answers: the sender's timeout or crash decides
      res.writeHead(failing.has(req.url ?? '') ? 500 : (script.shift() ?? 204)).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return {
    url,
    received,
    script,
    failing,
    setHang: (v: boolean) => (hang = v),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('webhook URL guard', () => {
  it('refuses http, private, loopback and link-local targets unless allowed', async () => {
    for (const url of ['http://127.0.0.1/hook', 'https://10.0.0.1/hook', 'https://169.254.169.254/latest/meta-data', 'https://[::1]/hook', 'https://192.168.1.20/x', 'https://user:pw@example.com/']) {
      await expect(assertSafeWebhookUrl(url, false, async () => ['93.184.216.34'])).rejects.toThrow();
    }
    await expect(assertSafeWebhookUrl('https://hooks.example.com/x', false, async () => ['10.1.2.3'])).rejects.toThrow(/private, loopback or link-local/);
    await expect(assertSafeWebhookUrl('https://hooks.example.com/x', false, async () => ['93.184.216.34'])).resolves.toBeInstanceOf(URL);
    await expect(assertSafeWebhookUrl('http://127.0.0.1:9/hook', true)).resolves.toBeInstanceOf(URL);
    expect(isPrivateAddress('::ffff:10.0.0.1')).toBe(true);
    expect(isPrivateAddress('fd00::1')).toBe(true);
    expect(isPrivateAddress('2001:db8::1')).toBe(false);
  });
});

describeEachDatabase('alerts', (kind) => {
  let t: TestDatabase;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let app: ReturnType<typeof createApp>;
  let dispatcher: Dispatcher;
  const outbox = new Outbox();
  const enricher = createEnricher();
  let smtp: SMTPServer;
  let smtpPort = 0;
  const mails: Array<{ to: string; raw: string }> = [];

  const makeDispatcher = (overrides: Partial<ConstructorParameters<typeof Dispatcher>[0]> = {}) =>
    new Dispatcher({
      db: t.db,
      retrySchedule: [50, 50, 50],
      allowPrivate: true,
      timeoutMs: 2_000,
      disableAfterMs: 60_000,
      mailer: createMailer(`smtp://127.0.0.1:${smtpPort}`, 'China Policy Tracker <cpt@example.org>'),
      publicUrl: () => 'https://cpt.example.org',
      leaseMs: 500,
      ...overrides,
    });

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    receiver = await startReceiver();
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, session, callback) {
        let raw = '';
        stream.on('data', (d: Buffer) => (raw += d.toString('utf8')));
        stream.on('end', () => {
          mails.push({ to: session.envelope.rcptTo.map((r) => r.address).join(','), raw });
          callback();
        });
      },
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
    smtpPort = (smtp.server.address() as AddressInfo).port;
    dispatcher = makeDispatcher();
    const directory = await loadIssuerDirectory(t.db);
    app = createApp({
      db: t.db,
      sources: SOURCES,
      directory: () => directory,
      authenticate: apiKeyAuthenticator(t.db, [{ name: 'analyst', key: KEY }]),
      scrapes: null,
      version: 'test',
      alerts: { dispatcher, allowPrivate: true },
      publicUrl: 'https://cpt.example.org',
    });
  });
  afterAll(async () => {
    await receiver?.close();
    await new Promise<void>((r) => smtp?.close(() => r()));
    await t?.close();
  });
  beforeEach(() => {
    receiver.received.length = 0;
    receiver.script.length = 0;
    receiver.failing.clear();
    receiver.setHang(false);
  });

  const api = (method: string, path: string, body?: unknown, key: string | null = KEY) =>
    app.request(path, {
      method,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  /** Ingest as a scrape does: enrichment and the outbox in the notice's transaction. */
  const store = async (id: string, url: string, edit: (n: ReturnType<typeof scrapedFromArchive>) => void = () => {}) => {
    const directory = await loadIssuerDirectory(t.db);
    const scraped = scrapedFromArchive(id, url);
    edit(scraped);
    const { notice } = await normalizeNotice(scraped, { sourceId: 'gov-cn', directory });
    return ingestNotice(t.db, notice, { enricher, outbox });
  };

  let webhook: { id: string; secret: string };

  it('creates a webhook subscription with a signing secret shown once; the API refuses unsafe URLs and bad input', async () => {
    // a notice stored before the subscription is backlog
    await ingestScraped(t.db, scrapedFromArchive('32', 'https://www.gov.cn/zhengce/zhengceku/2022-07/26/content_5702881.htm'));
    expect((await api('POST', '/api/subscriptions', { channel: { type: 'webhook', url: receiver.url } }, null)).status).toBe(401);
    const bad = await api('POST', '/api/subscriptions', { filter: { sectors: ['medicine'] }, channel: { type: 'webhook', url: 'ftp://x' } });
    expect(bad.status).toBe(400);
    const res = await api('POST', '/api/subscriptions', { filter: { sectors: ['health'] }, channel: { type: 'webhook', url: receiver.url }, events: ['notice.created', 'notice.updated'] });
    expect(res.status).toBe(201);
    const body = (await res.json()) as any;
    expect(body.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{32}$/);
    expect(body).toMatchObject({ kind: 'alert', status: 'active', created_by: 'analyst', filter: { sectors: ['health'] } });
    webhook = { id: body.id, secret: body.secret };
    const listed = (await (await api('GET', '/api/subscriptions')).json()) as any;
    expect(listed.items.map((s: any) => s.id)).toContain(webhook.id);
    expect(JSON.stringify(listed)).not.toContain(body.secret);
  });

  it('records deliveries in the ingest transaction for matching new notices only, never for the backlog or imports', async () => {
    const directory = await loadIssuerDirectory(t.db);
    const insurance = await store('03', 'https://www.gov.cn/zhengce/content/2020-07/09/content_5525564.htm');
    const electricity = await store('02', 'https://www.gov.cn/zhengce/zhengceku/2020-06/28/content_5522280.htm');
    // an import of health notices (backlog) records nothing, though the subscription matches them
    await importPaths({ db: t.db, directory, enricher, outbox }, SOURCES, ['04', '07', '28'].map((f) => join(BUNDLED_ARCHIVE_DIR, `${f}.json`)));
    const rows = await t.db.selectFrom('deliveries').select(['notice_id', 'event', 'event_key', 'status']).execute();
    expect(rows).toEqual([{ notice_id: insurance.noticeId, event: 'notice.created', event_key: 'notice.created', status: 'pending' }]);
    expect(rows.map((r) => r.notice_id)).not.toContain(electricity.noticeId);
    // re-scraping the same page records nothing new
    expect((await store('03', 'https://www.gov.cn/zhengce/content/2020-07/09/content_5525564.htm')).outcome).toBe('unchanged');
    expect(await t.db.selectFrom('deliveries').select('id').execute()).toHaveLength(1);
  });

  it('delivers a signed webhook that verifies, retrying under one webhook-id until accepted', async () => {
    receiver.script.push(500, 503); // fails twice, then accepts
    const first = await dispatcher.dispatchDue();
    expect(first.map((r) => r.ok)).toEqual([false]);
    for (let i = 0; i < 20 && !(await t.db.selectFrom('deliveries').select('status').where('status', '=', 'delivered').executeTakeFirst()); i++) {
      await new Promise((r) => setTimeout(r, 60));
      await dispatcher.dispatchDue();
    }
    expect(receiver.received).toHaveLength(3);
    const ids = new Set(receiver.received.map((r) => r.headers['webhook-id']));
    expect(ids.size).toBe(1);
    const accepted = receiver.received[2]!;
    const verified = await verifyWebhook(
      webhook.secret,
      { id: String(accepted.headers['webhook-id']), timestamp: String(accepted.headers['webhook-timestamp']), signature: String(accepted.headers['webhook-signature']) },
      accepted.body,
    );
    expect(verified).toBe(true);
    expect(await verifyWebhook('whsec_' + Buffer.from('wrong secret bytes!!').toString('base64'), { id: String(accepted.headers['webhook-id']), timestamp: String(accepted.headers['webhook-timestamp']), signature: String(accepted.headers['webhook-signature']) }, accepted.body)).toBe(false);
    const event = JSON.parse(accepted.body);
    expect(event).toMatchObject({ type: 'notice.created', data: { doc_number: '国办发〔2020〕20号', summary_status: 'machine' } });
    expect(event.data.title_ko).toContain('의료보장');
    const row = await t.db.selectFrom('deliveries').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'delivered', attempts: 3, id: String(accepted.headers['webhook-id']) });
    expect((await dispatcher.dispatchDue()).length).toBe(0); // nothing more to send
  });

  it('sends notice.updated for a new revision, and survives a dispatcher that dies mid-send', async () => {
    const revised = await store('03', 'https://www.gov.cn/zhengce/content/2020-07/09/content_5525564.htm', (n) => {
      n.bodyText += '\n（本意见自印发之日起施行）';
    });
    expect(revised.outcome).toBe('revised');
    const pending = await t.db.selectFrom('deliveries').select(['id', 'event_key']).where('status', '=', 'pending').execute();
    expect(pending.map((p) => p.event_key)).toEqual(['notice.updated:2']);

    // a dispatcher claims it and dies while the receiver has not answered
    receiver.setHang(true);
    // the request goes out for real; the process then "dies": nothing after it ever runs
    const dying = makeDispatcher({
      fetch: (input, init) => {
        void fetch(input, init).catch(() => {});
        return new Promise<Response>(() => {});
      },
    });
    void dying.dispatchDue();
    await new Promise((r) => setTimeout(r, 200));
    expect(receiver.received).toHaveLength(1);
    receiver.setHang(false);
    // a second dispatcher finds it claimed until the lease runs out, then sends it again, same id
    const survivor = makeDispatcher();
    expect(await survivor.dispatchDue()).toEqual([]);
    await new Promise((r) => setTimeout(r, 600));
    const results = await survivor.dispatchDue();
    expect(results.map((r) => r.ok)).toEqual([true]);
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[0]!.headers['webhook-id']).toBe(receiver.received[1]!.headers['webhook-id']);
    expect(receiver.received[1]!.headers['webhook-id']).toBe(pending[0]!.id);
    expect(JSON.parse(receiver.received[1]!.body).type).toBe('notice.updated');
  });

  it('marks a delivery dead after the last retry and disables an endpoint that keeps failing', async () => {
    // an endpoint of its own that always fails; other subscriptions' deliveries still succeed
    receiver.failing.add('/slack');
    const res = await api('POST', '/api/subscriptions', { channel: { type: 'webhook', url: receiver.url.replace(/\/hook$/, '/slack'), format: 'slack' } });
    const slack = (await res.json()) as any;
    await store('05', 'https://www.gov.cn/zhengce/zhengceku/202308/content_6896070.htm');
    const failing = makeDispatcher({ disableAfterMs: 60_000 });
    for (let i = 0; i < 8; i++) {
      await failing.dispatchDue();
      await new Promise((r) => setTimeout(r, 60));
    }
    const delivery = await t.db.selectFrom('deliveries').selectAll().where('subscription_id', '=', slack.id).executeTakeFirstOrThrow();
    expect(delivery).toMatchObject({ status: 'dead', attempts: 4, last_status: 500, last_error: 'HTTP 500' });
    expect(((await (await api('GET', `/api/subscriptions/${slack.id}`)).json()) as any).status).toBe('active');
    // the Slack-compatible body: text with the sector and the Korean headline
    expect(receiver.received.filter((r) => r.url === '/slack')).toHaveLength(4);
    const slackBody = receiver.received.map((r) => JSON.parse(r.body)).find((b) => 'text' in b);
    expect(slackBody.text).toMatch(/^◆ .*\n▶ .+ \(2023\.8\.2\)/);

    // still failing past the disable period: the subscription is disabled, with the reason
    await store('15', 'https://www.gov.cn/zhengce/zhengceku/2021-03/01/content_5589442.htm');
    await makeDispatcher({ disableAfterMs: 100 }).dispatchDue();
    const sub = (await (await api('GET', `/api/subscriptions/${slack.id}`)).json()) as any;
    expect(sub.status).toBe('disabled');
    expect(sub.disabled_reason).toMatch(/no successful delivery since .*last error: HTTP 500/);
  });

  it('sends a signed test event on request', async () => {
    const res = await api('POST', `/api/subscriptions/${webhook.id}/test`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body).toMatchObject({ ok: true, status: 204 });
    const got = receiver.received.at(-1)!;
    expect(got.headers['webhook-id']).toBe(body.webhook_id);
    expect(JSON.parse(got.body).type).toBe('subscription.test');
  });

  it('e-mails a Korean alert with a text part and one-click unsubscribe, and the weekly digest', async () => {
    const res = await api('POST', '/api/subscriptions', { filter: { keywords: ['增值税'] }, channel: { type: 'email', to: 'analyst@example.org' } });
    expect(res.status).toBe(201);
    const sub = (await res.json()) as any;
    expect(sub.secret).toBeNull();
    await store('08', 'https://www.gov.cn/zhengce/zhengceku/2020-02/28/content_5484631.htm');
    const directory = await loadIssuerDirectory(t.db);
    mails.length = 0;
    const results = await makeDispatcher().dispatchDue();
    expect(results.filter((r) => r.subscriptionId === sub.id).map((r) => r.ok)).toEqual([true]);
    expect(mails).toHaveLength(1);
    const parsed = await simpleParser(mails[0]!.raw);
    expect(parsed.subject).toMatch(/^\[중국 정책 알림\] .*부가가치세/);
    expect(parsed.text).toContain('财政部 税务总局关于支持个体工商户复工复业增值税政策的公告');
    expect(parsed.html).toContain('▶');
    const unsubscribe = parsed.headerLines.find((h) => h.key === 'list-unsubscribe')!.line.replace(/^List-Unsubscribe:\s*/i, '');
    expect(unsubscribe).toMatch(/^<https:\/\/cpt\.example\.org\/unsubscribe\/[A-Za-z0-9_-]+>$/);
    const path = new URL(unsubscribe.slice(1, -1)).pathname;
    expect((await app.request(path)).status).toBe(200);
    expect(((await (await api('GET', `/api/subscriptions/${sub.id}`)).json()) as any).status).toBe('disabled');

    // the digest subscription gets the week's HTML digest
    await api('POST', '/api/subscriptions', { kind: 'digest', filter: { sectors: ['health'] }, channel: { type: 'email', to: 'weekly@example.org' } });
    mails.length = 0;
    const lines = await sendDigestEmails({
      db: t.db,
      mailer: createMailer(`smtp://127.0.0.1:${smtpPort}`, 'cpt@example.org'),
      directory,
      publicUrl: 'https://cpt.example.org',
      sectorOrder: [],
      week: '2020-W28',
    });
    expect(lines.join('\n')).toMatch(/sent 2020-W28 \(1 notice\(s\)\) to weekly@example\.org/);
    const digest = await simpleParser(mails[0]!.raw);
    expect(digest.subject).toBe('중국 중앙정부 정책 주간 동향 — 2020년 28주차 (7.6–7.12)');
    expect(digest.html).toContain('◆ 의료·보건');
  });

  it('publishes RSS, Atom and JSON Feed 1.1 for any filter, well-formed, with notice ids as item ids', async () => {
    const rss = await app.request('/feeds/notices.rss?sector=health');
    expect(rss.headers.get('content-type')).toMatch(/application\/rss\+xml/);
    const rssText = await rss.text();
    expect(XMLValidator.validate(rssText)).toBe(true);
    const $ = cheerio.load(rssText, { xml: true });
    expect($('rss > channel > title').text()).toMatch(/중국 중앙정부/);
    const guids = $('item > guid').map((_, el) => $(el).text()).get();
    expect(guids.length).toBeGreaterThan(0);
    for (const g of guids) expect(g).toMatch(/^n[0-9a-z]+$/);
    expect($('item').first().find('category').map((_, el) => $(el).text()).get()).toContain('의료·보건');
    const atomText = await (await app.request('/feeds/notices.atom?sector=health')).text();
    expect(XMLValidator.validate(atomText)).toBe(true);
    const atom = cheerio.load(atomText, { xml: true });
    expect(atom('feed > entry > id').map((_, el) => atom(el).text()).get()).toEqual(guids.map((g) => `urn:cpt:notice:${g}`));
    const json = (await (await app.request('/feeds/notices.json?sector=health')).json()) as any;
    // the required and typed members of JSON Feed 1.1
    const JsonFeed11 = z.object({
      version: z.literal('https://jsonfeed.org/version/1.1'),
      title: z.string().min(1),
      home_page_url: z.string().url().optional(),
      feed_url: z.string().url().optional(),
      language: z.string().optional(),
      items: z.array(
        z
          .object({
            id: z.string().min(1),
            url: z.string().url().optional(),
            title: z.string().optional(),
            content_text: z.string().optional(),
            content_html: z.string().optional(),
            date_published: z.string().datetime({ offset: true }).optional(),
            date_modified: z.string().datetime({ offset: true }).optional(),
            tags: z.array(z.string()).optional(),
          })
          .refine((i) => i.content_text !== undefined || i.content_html !== undefined, 'an item needs content_text or content_html'),
      ),
    });
    expect(JsonFeed11.safeParse(json).error).toBeUndefined();
    expect(json.items.map((i: any) => i.id)).toEqual(guids.map((g) => `urn:cpt:notice:${g}`));
    expect(json.items[0].title).toMatch(/[가-힣]/);
    expect(json.items[0].tags).toContain('의료·보건');
    expect((await app.request('/feeds/notices.json?sector=medicine')).status).toBe(400);
  });
});
