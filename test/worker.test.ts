/**
 * The Cloudflare Workers deployment, offline. Its wiring in Node (configuration from env, which
 * sources a trigger runs, the shared runner's page budget); then `wrangler deploy --dry-run` bundles `src/worker.ts`
 * under Workers' size limit and without the Node-only packages; then `wrangler dev --local
 * --test-scheduled` (workerd from npm) runs the Worker against a PostgreSQL database that the Node
 * side migrated and stored notices in: the Worker's API serves those rows, and its cron trigger
 * scrapes a loopback mirror of gov.cn (CPT_HOST_MAP) within a page budget, resuming on the next
 * trigger until every notice is stored. Wrangler is kept off the network: no metrics, no update
 * check, no `Request.cf` download, no account.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOURCES } from '../scrapers/index.js';
import { postgresKysely } from '../src/db/client.js';
import { prepareStore } from '../src/db/prepare-store.js';
import type { Database } from '../src/db/schema.js';
import { verifyWebhook } from '../src/alerts/webhook.js';
import { PAGE_BUDGET_REACHED, runScrape, type ScrapeDeps } from '../src/scrape/scrape-runner.js';
import { dueSources, fellDue } from '../src/workers/cron.js';
import { createWorkerRuntime, workerSettings } from '../src/workers/worker-runtime.js';
import { createPostgresDatabase, createTestDatabase, POSTGRES_SKIP_REASON, POSTGRES_URL, type TestDatabase } from './support/databases.js';
import { GOOD_PAGES, GOV_CN_EXPECTED, GOV_CN_MIRROR } from './support/fixture-store.js';
import { type MirrorServer, startMirrorServer } from './support/mirror-server.js';
import { archiveNotice, ingestScraped, scrapedFromArchive } from './support/notices.js';
import { loopbackScrapeDeps } from './support/scrape-deps.js';

const WRANGLER = join(process.cwd(), 'node_modules', 'wrangler', 'bin', 'wrangler.js');
/** Workers' limit on a compressed bundle (paid plan). */
const LIMIT_GZIP_BYTES = 10 * 1024 * 1024;

/** Environment for wrangler without network access or an account. */
function offlineEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('CLOUDFLARE_') || key.startsWith('CF_') || key.startsWith('CPT_')) delete env[key];
  return {
    ...env,
    WRANGLER_SEND_METRICS: 'false', // no telemetry
    WRANGLER_HIDE_BANNER: 'true', // the banner would ask the registry for a newer wrangler
    CLOUDFLARE_CF_FETCH_ENABLED: 'false', // no download of the Request.cf placeholder
    NO_COLOR: '1',
    ...extra,
  };
}

function run(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 180_000): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRANGLER, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`wrangler ${args.join(' ')} did not finish within ${timeoutMs} ms\n${out}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('the Worker’s configuration from env', () => {
  const hyperdrive = { HYPERDRIVE: { connectionString: 'postgres://u:p@127.0.0.1:5432/x' } };

  it('reads the shared settings through loadConfig and its own beside them', () => {
    const settings = workerSettings({ ...hyperdrive, CPT_HOST_MAP: 'www.gov.cn=http://127.0.0.1:9001', CPT_WORKER_PAGE_BUDGET: '7', AI: { run: async () => ({}) } });
    expect(settings.config.hostMap.get('www.gov.cn')?.origin).toBe('http://127.0.0.1:9001');
    expect(settings).toMatchObject({ summarizer: 'offline', pageBudget: 7, dispatchBatch: 50, aiModel: '@cf/meta/llama-3.1-8b-instruct' });
    expect(() => workerSettings({ ...hyperdrive, CPT_WORKER_PAGE_BUDGET: '0' })).toThrow(/CPT_WORKER_PAGE_BUDGET/);
    expect(() => workerSettings({ ...hyperdrive, CPT_HTTP_RETRIES: '99' })).toThrow(/CPT_HTTP_RETRIES/);
  });

  it('queues workers-ai summaries only where the AI binding exists, and says why not', () => {
    const withAi = createWorkerRuntime({ ...hyperdrive, CPT_SUMMARIZER: 'workers-ai', AI: { run: async () => ({}) } });
    expect(withAi.provider.name).toBe('workers-ai');
    expect(withAi.enricher.options.queuedProvider).toBe('workers-ai');
    expect(withAi.providerNote).toBeNull();
    const without = createWorkerRuntime({ ...hyperdrive, CPT_SUMMARIZER: 'workers-ai' });
    expect(without.provider.name).toBe('offline');
    expect(without.enricher.options.queuedProvider).toBeNull();
    expect(without.providerNote).toMatch(/no AI binding/);
  });
});

describe('which sources the frequent trigger runs', () => {
  // gov-cn: minute 7 of 08–20 h, Monday to Friday, Asia/Shanghai (UTC+8)
  const govCn = '7 8-20 * * 1-5';
  const at = (iso: string) => new Date(iso);

  it('runs a source whose schedule named a minute since its last start', () => {
    // Wednesday 08:07 CST = 00:07 UTC lies in (00:00, 00:10]
    expect(fellDue(govCn, 'Asia/Shanghai', at('2026-11-25T00:00:00Z'), at('2026-11-25T00:10:00Z'))).toBe(true);
    expect(fellDue(govCn, 'Asia/Shanghai', at('2026-11-25T00:07:00Z'), at('2026-11-25T01:06:59Z'))).toBe(false);
    expect(fellDue(govCn, 'Asia/Shanghai', at('2026-11-25T00:07:00Z'), at('2026-11-25T01:07:00Z'))).toBe(true);
    // Saturday: never
    expect(fellDue(govCn, 'Asia/Shanghai', at('2026-11-28T00:00:00Z'), at('2026-11-28T12:00:00Z'))).toBe(false);
  });

  it('looks back one day for a source that never ran', () => {
    expect(fellDue(govCn, 'Asia/Shanghai', null, at('2026-11-26T00:00:00Z'))).toBe(true);
    // Monday 07:59 CST: the last due minute (Friday 20:07) is more than a day back
    expect(fellDue(govCn, 'Asia/Shanghai', null, at('2026-11-29T23:59:00Z'))).toBe(false);
  });
});

describe('page budget of a scheduled scrape (the shared runner, on PGlite)', () => {
  let mirror: MirrorServer;
  let t: TestDatabase;
  beforeAll(async () => {
    mirror = await startMirrorServer(GOV_CN_MIRROR);
    t = await createTestDatabase('pglite');
  });
  afterAll(async () => {
    await mirror?.close();
    await t?.close();
  });

  it('stops at the budget, is due again at once, and resumes until every notice is stored once', async () => {
    const deps = (): Promise<ScrapeDeps> => loopbackScrapeDeps(t.db, mirror.origin, { retries: 0 });
    const govCn = SOURCES.find((s) => s.id === 'gov-cn')!;
    // gov-cn on its own schedule (weekdays), the rest off; asked on a Sunday, when it is not due
    const schedules = new Map(SOURCES.filter((s) => s.id !== 'gov-cn').map((s) => [s.id, 'off']));
    const sunday = new Date('2026-11-29T12:00:00Z');
    expect(await dueSources(t.db, SOURCES, schedules, sunday)).toEqual([]);
    const first = await runScrape(await deps(), govCn, { trigger: 'schedule', pageBudget: 5 });
    expect(first).toMatchObject({ status: 'partial', counts: { seen: 5, new: 5 } });
    expect(first.message).toMatch(new RegExp(`^${PAGE_BUDGET_REACHED}: 18 page\\(s\\) left for the next run$`));
    // due at once, whatever its schedule says
    expect((await dueSources(t.db, SOURCES, schedules, sunday)).map((d) => [d.source.id, d.reason])).toEqual([['gov-cn', 'resume']]);

    let runs = 1;
    for (let last = first; last.status === 'partial' && last.message?.startsWith(PAGE_BUDGET_REACHED); runs++) {
      last = await runScrape(await deps(), govCn, { trigger: 'schedule', pageBudget: 5 });
      expect(last.counts.seen).toBeLessThanOrEqual(5);
      expect(runs).toBeLessThan(10);
    }
    expect(runs).toBeGreaterThanOrEqual(5);
    const stored = await t.db.selectFrom('notice_sources').select('url').where('url', 'in', GOOD_PAGES).execute();
    expect(stored.map((r) => r.url).sort()).toEqual([...GOOD_PAGES].sort());
    // finished: no longer due, and an incremental run finds nothing new
    expect(await dueSources(t.db, SOURCES, schedules, sunday)).toEqual([]);
    const again = await runScrape(await deps(), govCn, { trigger: 'schedule', pageBudget: 5 });
    expect(again.counts.new).toBe(0);
  });
});

describe('wrangler deploy --dry-run', () => {
  let outdir: string;
  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'cpt-worker-'));
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('bundles the Worker under the 10 MB compressed limit, without the Node-only packages', async () => {
    const metafile = join(outdir, 'meta.json');
    const { code, out } = await run(['deploy', '--dry-run', '--outdir', outdir, `--metafile=${metafile}`], offlineEnv());
    expect(code, out).toBe(0);
    const size = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(out);
    expect(size, out).not.toBeNull();
    const [raw, gzip] = [Number(size![1]) * 1024, Number(size![2]) * 1024];
    process.stdout.write(`Worker bundle: ${(raw / 1024 / 1024).toFixed(2)} MiB, ${(gzip / 1024 / 1024).toFixed(2)} MiB gzip (limit 10 MiB)\n`);
    expect(gzip).toBeLessThan(LIMIT_GZIP_BYTES);
    expect(statSync(join(outdir, 'worker.js')).size).toBeCloseTo(raw, -4);
    expect(out).toMatch(/env\.HYPERDRIVE .*Hyperdrive Config/);
    expect(out).toMatch(/env\.AI\b/);

    const meta = JSON.parse(readFileSync(metafile, 'utf8')) as { inputs: Record<string, unknown> };
    const inputs = Object.keys(meta.inputs);
    for (const nodeOnly of ['node_modules/pdfkit/', 'node_modules/@electric-sql/pglite/', 'node_modules/playwright-core/', 'node_modules/@node-rs/jieba', 'node_modules/nodemailer/', 'node_modules/@expo-google-fonts/']) {
      expect(inputs.filter((i) => i.includes(nodeOnly)), nodeOnly).toEqual([]);
    }
    // the shared code is in: the app, the scrapers, enrichment, alerts
    for (const shared of ['src/api/app.ts', 'scrapers/gov-cn/index.ts', 'src/enrichment/enricher.ts', 'src/alerts/dispatcher.ts', 'src/scrape/scrape-runner.ts']) {
      expect(inputs.some((i) => i.endsWith(shared)), shared).toBe(true);
    }
  }, 240_000);
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * The project's wrangler.toml for the bundle built beside it: `main` is that bundle, `no_bundle`
 * keeps it as built, and the build-time tables (`[alias]`, `[define]`) are left out.
 */
function prebuiltConfig(): string {
  const lines = readFileSync(join(process.cwd(), 'wrangler.toml'), 'utf8').split('\n');
  const out: string[] = ['no_bundle = true'];
  let skipping = false;
  for (const line of lines) {
    if (/^\[/.test(line)) skipping = line === '[alias]' || line === '[define]';
    if (skipping) continue;
    out.push(/^main = /.test(line) ? 'main = "bundle/worker.js"' : line);
  }
  return out.join('\n');
}

/** Hyperdrive's local connection string must carry a password; trust authentication ignores it. */
function withPassword(url: string): string {
  const u = new URL(url);
  if (!u.password) u.password = 'postgres';
  return u.toString();
}

/** Two archive notices that the gov.cn mirror does not also hold (so nothing merges). */
function nodeSideNotices() {
  const mirrored = new Set(Object.values(GOV_CN_EXPECTED).map((e: any) => e.doc_number).filter(Boolean));
  const ids: string[] = [];
  for (let i = 1; ids.length < 2; i++) {
    const id = String(i).padStart(2, '0');
    const a = archiveNotice(id);
    if (a.doc_number && !mirrored.has(a.doc_number)) ids.push(id);
  }
  return ids.map((id, n) => scrapedFromArchive(id, `https://www.most.gov.cn/xxgk/node-side-${n + 1}.html`));
}

describe.skipIf(!POSTGRES_URL)(`wrangler dev --local against PostgreSQL${POSTGRES_URL ? '' : ` (${POSTGRES_SKIP_REASON})`}`, () => {
  let database: { url: string; drop(): Promise<void> };
  let db: Kysely<Database>;
  let mirror: MirrorServer;
  let wrangler: ChildProcess | undefined;
  let log = '';
  let base: string;
  let persist: string;
  const nodeStored: Array<{ id: string; title: string }> = [];
  const API_KEY = 'worker-test-key-0123456789';
  let receiver: Server;
  let receiverUrl: string;
  const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];

  beforeAll(async () => {
    database = await createPostgresDatabase();
    db = postgresKysely({ connectionString: database.url }, 3);
    // the Node side: migrations, registries and notices
    await prepareStore(db, SOURCES);
    for (const scraped of nodeSideNotices()) {
      const outcome = await ingestScraped(db, scraped, 'most');
      nodeStored.push({ id: outcome.noticeId, title: scraped.titleZh });
    }
    mirror = await startMirrorServer(GOV_CN_MIRROR);
    receiver = createHttpServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    persist = mkdtempSync(join(tmpdir(), 'cpt-wrangler-state-'));

    // bundled once up front and run as is (`--no-bundle`): wrangler dev would otherwise rebuild and
    // restart the Worker whenever a file under src/ changes, in the middle of a request
    const built = await run(['deploy', '--dry-run', '--outdir', join(persist, 'bundle')], offlineEnv());
    if (built.code !== 0) throw new Error(`the Worker did not bundle\n${built.out}`);
    writeFileSync(join(persist, 'wrangler.toml'), prebuiltConfig());

    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const schedules = Object.fromEntries(SOURCES.map((s) => [s.id, s.id === 'gov-cn' ? '* * * * *' : 'off']));
    const vars = {
      CPT_HOST_MAP: `www.gov.cn=${mirror.origin}`,
      CPT_SCHEDULES: JSON.stringify(schedules),
      CPT_RATE_LIMITS: '{"*":200}',
      CPT_HTTP_RETRIES: '1',
      CPT_HTTP_BACKOFF_MS: '20',
      CPT_WORKER_PAGE_BUDGET: '10',
      CPT_API_KEYS: `tester:${API_KEY}`,
      CPT_WEBHOOK_ALLOW_PRIVATE: '1',
      CPT_RETRY_SCHEDULE: '1s,1s',
      LOG_LEVEL: 'warn',
    };
    const started = performance.now();
    wrangler = spawn(
      process.execPath,
      [
        WRANGLER, 'dev', '--config', join(persist, 'wrangler.toml'), '--local', '--test-scheduled', '--port', String(port), '--ip', '127.0.0.1',
        '--persist-to', join(persist, 'state'), '--show-interactive-dev-session=false', '--inspector-port', String(await freePort()),
        ...Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}:${v}`]),
      ],
      {
        env: offlineEnv({ CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE: withPassword(database.url) }),
        stdio: ['ignore', 'pipe', 'pipe'],
        // its own process group, so afterAll ends wrangler, its esbuild and workerd together
        detached: true,
      },
    );
    wrangler.stdout!.on('data', (d) => (log += d));
    wrangler.stderr!.on('data', (d) => (log += d));
    const deadline = Date.now() + 150_000;
    for (;;) {
      if (wrangler.exitCode !== null) throw new Error(`wrangler dev exited with ${wrangler.exitCode}\n${log}`);
      const status = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(30_000) }).then((r) => r.status, () => 0);
      if (status === 200) break;
      if (Date.now() > deadline) throw new Error(`wrangler dev did not answer within 150 s\n${log}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    process.stdout.write(`wrangler dev cold start (launch with the built bundle → first 200 from /healthz): ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  }, 240_000);

  afterAll(async () => {
    if (process.env.CPT_WRANGLER_LOG) writeFileSync(process.env.CPT_WRANGLER_LOG, log);
    if (wrangler?.pid && wrangler.exitCode === null) {
      const exited = new Promise((r) => wrangler!.once('exit', r));
      try {
        process.kill(-wrangler.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-wrangler!.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 5_000);
      await exited;
      clearTimeout(timer);
    }
    await mirror?.close();
    receiver?.closeAllConnections();
    await new Promise((r) => (receiver ? receiver.close(r) : r(null)));
    await db?.destroy();
    await database?.drop();
    if (persist) rmSync(persist, { recursive: true, force: true });
  }, 60_000);

  const api = async (path: string, init?: RequestInit) => {
    const response = await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(60_000) });
    return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as any };
  };

  it('serves the notices the Node side stored, through Hyperdrive', async () => {
    const list = await api('/api/notices?limit=100');
    expect(list.status).toBe(200);
    expect(list.body.items.map((n: any) => ({ id: n.id, title: n.title_zh })).sort((a: any, b: any) => a.id.localeCompare(b.id))).toEqual(
      [...nodeStored].sort((a, b) => a.id.localeCompare(b.id)),
    );
    const one = await api(`/api/notices/${nodeStored[0]!.id}`);
    expect(one.status).toBe(200);
    expect(one.body.urls).toEqual(['https://www.most.gov.cn/xxgk/node-side-1.html']);
    expect(one.body.title_ko).toBeTruthy();
    expect((await api('/api/sources')).body.items.map((s: any) => s.id)).toContain('gov-cn');
    // the NDJSON export streams after the handler returned; the invocation's pool stays open for it
    const ndjson = await fetch(`${base}/api/notices?format=ndjson&fields=id`);
    expect(ndjson.status).toBe(200);
    expect((await ndjson.text()).trim().split('\n').map((l) => JSON.parse(l).id).sort()).toEqual(nodeStored.map((n) => n.id).sort());
  });

  it('scrapes gov.cn from the mirror on the cron trigger, within the page budget, resuming until every notice is stored', async () => {
    // a health alert by webhook, made through the Worker's API
    const subscription = await api('/api/subscriptions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
      body: JSON.stringify({ filter: { sectors: ['health'] }, channel: { type: 'webhook', url: receiverUrl } }),
    });
    expect(subscription.status, JSON.stringify(subscription.body)).toBe(201);
    const trigger = async () => {
      const response = await fetch(`${base}/cdn-cgi/handler/scheduled?cron=*/10+*+*+*+*`, { signal: AbortSignal.timeout(180_000) });
      expect(response.status, log).toBe(200);
      await response.text();
    };
    await trigger();
    // the first invocation stopped at the budget of 10 detail pages and says so
    const first = await db.selectFrom('scrape_runs').selectAll().where('source_id', '=', 'gov-cn').orderBy('id').execute();
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ trigger: 'schedule', status: 'partial', seen: 10, host: null, pid: null });
    expect(first[0]!.message).toMatch(new RegExp(`^${PAGE_BUDGET_REACHED}: \\d+ page\\(s\\) left for the next run`));
    expect(mirror.requests.filter((r) => r.path.includes('/content_')).length).toBe(10);

    // later triggers resume where it stopped (gov-cn's schedule is due every minute here, but a
    // resumed run does not wait for it)
    for (let i = 0; i < 4; i++) {
      const latest = await db.selectFrom('scrape_runs').select(['status', 'message']).where('source_id', '=', 'gov-cn').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
      if (!(latest.status === 'partial' && latest.message?.startsWith(PAGE_BUDGET_REACHED))) break;
      await trigger();
    }
    const runs = await db.selectFrom('scrape_runs').select(['status', 'seen']).where('source_id', '=', 'gov-cn').orderBy('id').execute();
    expect(runs.length).toBeGreaterThan(1);
    expect(runs.every((r) => r.seen <= 10)).toBe(true);

    const list = await api('/api/notices?limit=100');
    const urls = list.body.items.map((n: any) => n.url);
    for (const url of GOOD_PAGES) expect(urls, url).toContain(url);
    expect(list.body.items).toHaveLength(GOOD_PAGES.length + nodeStored.length);
    // stored with the offline Korean summary (the glossary's segmenter on Workers)
    const scraped = list.body.items.find((n: any) => n.url === GOOD_PAGES[0]);
    expect(scraped.title_ko).toMatch(/[가-힣]/);
    const search = await api(`/api/notices?q=${encodeURIComponent('医疗保障')}`);
    expect(search.body.items.map((n: any) => n.doc_number)).toContain('国办发〔2020〕20号');
    // the alerts went out from the same invocations, signed, one per delivery
    const deliveries = await db.selectFrom('deliveries').select(['id', 'status']).where('subscription_id', '=', subscription.body.id).execute();
    expect(deliveries.length).toBeGreaterThan(0);
    expect(deliveries.every((d) => d.status === 'delivered')).toBe(true);
    expect(received.map((r) => r.headers['webhook-id']).sort()).toEqual(deliveries.map((d) => d.id).sort());
    for (const r of received) {
      const headers = { id: String(r.headers['webhook-id']), timestamp: String(r.headers['webhook-timestamp']), signature: String(r.headers['webhook-signature']) };
      expect(await verifyWebhook(subscription.body.secret, headers, r.body)).toBe(true);
      expect(JSON.parse(r.body).data.sectors.map((x: any) => x.code)).toContain('health');
    }
    // the lease of the job records the run, as on Node
    const lease = await db.selectFrom('job_leases').selectAll().where('job', '=', 'scrape:gov-cn').executeTakeFirstOrThrow();
    expect(lease.holder).toBeNull();
    expect(lease.last_status).toBe('ok');
  }, 600_000);

  it('answers 501 with problem+json for what needs the Node deployment: PDF digests and e-mail', async () => {
    const pdf = await api('/api/digests/2020-W26?format=pdf');
    expect(pdf.status).toBe(501);
    expect(pdf.type).toMatch(/^application\/problem\+json/);
    expect(pdf.body.detail).toMatch(/PDF digest .* Node deployment/);
    const md = await fetch(`${base}/api/digests/2020-W26?format=md`);
    expect(md.status).toBe(200);
    expect(await md.text()).toMatch(/^# /);
    const email = await api('/api/subscriptions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'alert', filter: {}, channel: { type: 'email', to: 'analyst@example.com' } }),
    });
    expect(email.status).toBe(501);
    expect(email.body.detail).toMatch(/E-mail delivery .* Node deployment/);
  });
});
