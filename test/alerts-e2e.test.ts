/**
 * Alerts through the real server processes, as a user runs them: subscribe to `health` by webhook
 * and e-mail, start a scrape of the gov.cn mirror through the API, kill the server (SIGKILL) while
 * its dispatcher waits on a webhook, start it again, and check that every matching notice arrived
 * once per channel, signed, each under its one webhook-id; a second scrape sends nothing; `cpt jobs`
 * lists the schedule; SIGTERM shuts down cleanly.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOURCES } from '../scrapers/index.js';
import { verifyWebhook } from '../src/alerts/webhook.js';
import { runCli, type RunningServer, startServer, testEnv } from './support/cli.js';
import { GOV_CN_MIRROR } from './support/fixture-store.js';
import { type MirrorServer, startMirrorServer } from './support/mirror-server.js';

const KEY = 'e2e-alerts-key-0123456789';

interface Hit {
  headers: IncomingMessage['headers'];
  body: string;
  answered: boolean;
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('alerts through the running server [pglite]', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cpt-alerts-e2e-'));
  let mirror: MirrorServer;
  let receiver: Server;
  let smtp: SMTPServer;
  const hits: Hit[] = [];
  let hang = true;
  const mails: string[] = [];
  let env: NodeJS.ProcessEnv;
  let server: RunningServer | null = null;

  beforeAll(async () => {
    mirror = await startMirrorServer(GOV_CN_MIRROR);
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        const hit: Hit = { headers: req.headers, body, answered: !hang };
        hits.push(hit);
        if (!hang) res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, _session, callback) {
        let raw = '';
        stream.on('data', (d: Buffer) => (raw += d.toString('utf8')));
        stream.on('end', () => {
          mails.push(raw);
          callback();
        });
      },
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
    env = testEnv({
      DATA_DIR: join(dir, 'data'),
      CPT_IMPORT_ARCHIVE: '0',
      CPT_HOST_MAP: `www.gov.cn=${mirror.origin}`,
      CPT_API_KEYS: `analyst:${KEY}`,
      CPT_WEBHOOK_ALLOW_PRIVATE: '1',
      CPT_WEBHOOK_TIMEOUT_MS: '1000',
      CPT_RETRY_SCHEDULE: '1s,1s,1s',
      SMTP_URL: `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`,
      SMTP_FROM: 'China Policy Tracker <cpt@example.org>',
      CPT_PUBLIC_URL: 'https://cpt.example.org',
      CPT_SCHEDULER: '1',
      CPT_DISPATCH_CRON: '* * * * * *',
      // no scheduled scrape may reach a live site: scrapes start through the API only
      CPT_SCHEDULES: JSON.stringify(Object.fromEntries(SOURCES.map((s) => [s.id, 'off']))),
    });
  });
  afterAll(async () => {
    server?.child.kill('SIGKILL');
    await mirror?.close();
    receiver?.closeAllConnections();
    await new Promise<void>((r) => receiver?.close(() => r()));
    await new Promise<void>((r) => smtp?.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers each health notice once per channel, across a server killed mid-send', async () => {
    server = await startServer(env);
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${server!.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${KEY}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, body: res.status === 204 ? null : ((await res.json()) as any) };
    };
    const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/cpt`;
    const webhook = await api('POST', '/api/subscriptions', { filter: { sectors: ['health'] }, channel: { type: 'webhook', url: receiverUrl } });
    expect(webhook.status).toBe(201);
    const email = await api('POST', '/api/subscriptions', { filter: { sectors: ['health'] }, channel: { type: 'email', to: 'analyst@example.org' } });
    expect(email.status).toBe(201);

    // the scrape starts at once; the dispatcher then waits on a receiver that never answers
    expect((await api('POST', '/api/sources/gov-cn/scrape')).status).toBe(202);
    await until('the first webhook request', async () => hits.length > 0);
    // killed mid-run: the scrape and the dispatcher stop wherever they were
    server.child.kill('SIGKILL');
    await new Promise((r) => server!.child.once('exit', r));

    // restarted, with the receiver answering; a scrape picks up whatever the killed run had not stored
    hang = false;
    server = await startServer(env);
    const finishedScrape = async () => {
      const startedAt = Date.now();
      expect((await api('POST', '/api/sources/gov-cn/scrape')).status).toBe(202);
      return until('the scrape run', async () => {
        const sources = (await api('GET', '/api/sources')).body.items as any[];
        const run = sources.find((s) => s.id === 'gov-cn')?.last_run;
        return run && run.status !== 'running' && new Date(run.started_at).getTime() >= startedAt - 1000 ? run : undefined;
      });
    };
    await finishedScrape();
    const health = (await api('GET', '/api/notices?sector=health&limit=100')).body.items.map((n: any) => n.id) as string[];
    expect(health.length).toBeGreaterThanOrEqual(2);
    // every pending event goes out, the ones the killed server had claimed once their lease ends
    let last: unknown;
    const delivered = await until(
      'every delivery',
      async () => {
        const rows = (await api('GET', `/api/subscriptions/${webhook.body.id}/deliveries?limit=500`)).body.items as any[];
        const mailRows = (await api('GET', `/api/subscriptions/${email.body.id}/deliveries?limit=500`)).body.items as any[];
        last = { rows, mailRows, health };
        return rows.length === health.length && mailRows.length === health.length && [...rows, ...mailRows].every((d) => d.status === 'delivered') ? rows : undefined;
      },
      60_000,
    ).catch((e) => {
      throw new Error(`${(e as Error).message}: ${JSON.stringify(last, null, 1)}\n${server?.output()}`);
    });

    const accepted = hits.filter((h) => h.answered);
    const byNotice = new Map<string, Hit[]>();
    for (const hit of accepted) {
      const event = JSON.parse(hit.body);
      expect(event.type).toBe('notice.created');
      const verified = await verifyWebhook(
        webhook.body.secret,
        { id: String(hit.headers['webhook-id']), timestamp: String(hit.headers['webhook-timestamp']), signature: String(hit.headers['webhook-signature']) },
        hit.body,
      );
      expect(verified).toBe(true);
      byNotice.set(event.data.id, [...(byNotice.get(event.data.id) ?? []), hit]);
    }
    // exactly one accepted delivery per health notice, under the id its row was given
    expect([...byNotice.keys()].sort()).toEqual([...health].sort());
    for (const [noticeId, got] of byNotice) {
      expect(got, noticeId).toHaveLength(1);
      const row = delivered.find((d) => d.notice_id === noticeId);
      expect(got[0]!.headers['webhook-id']).toBe(row.id);
    }
    // the request the killed server was waiting on was sent again with the same webhook-id
    const unanswered = hits.filter((h) => !h.answered).map((h) => h.headers['webhook-id']);
    expect(unanswered.length).toBeGreaterThan(0);
    for (const id of unanswered) expect(accepted.map((h) => h.headers['webhook-id'])).toContain(id);

    // one e-mail per notice, in Korean
    await until('the e-mails', async () => mails.length >= health.length);
    expect(mails).toHaveLength(health.length);
    for (const raw of mails) {
      const mail = await simpleParser(raw);
      expect(mail.subject).toMatch(/^\[중국 정책 알림\] .*[가-힣]/);
      expect(mail.text).toMatch(/의료·보건/);
    }

    // another scrape finds nothing new and sends nothing
    const before = hits.length;
    const again = await finishedScrape();
    expect(again.counts.new).toBe(0);
    await new Promise((r) => setTimeout(r, 2_500));
    expect(hits.length).toBe(before);

    // the CLI shares the running server's database and shows the jobs
    const jobs = await runCli(['jobs'], env);
    expect(jobs.code, jobs.stderr).toBe(0);
    expect(jobs.stdout).toMatch(/^dispatch\s+\* \* \* \* \* \*\s+Asia\/Seoul\s+next \d{4}-\d\d-\d\dT/m);
    expect(jobs.stdout).toMatch(/^digest-email\s+0 9 \* \* 1\s+Asia\/Seoul/m);
    expect(jobs.stdout).not.toMatch(/^scrape:/m);
    expect(jobs.stdout).toMatch(/^dispatch .* last ok /m);

    expect(await server.stop()).toBe(0);
    server = null;
  }, 180_000);
});
