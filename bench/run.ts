/**
 * `npm run bench`: measured figures, not timed tests.
 *
 * 1. Parse rate: every saved gov.cn page through `parseDetail` (+ normalisation), repeated.
 * 2. Ingest rate: synthetic notices through the real ingest path (one transaction each), on PGlite
 *    and — when `BENCH_DATABASE_URL` or `TEST_DATABASE_URL` is set — on PostgreSQL.
 * 3. API latency (`--only api`; the search section covers it in the default run): `GET /api/notices`
 *    over loopback HTTP at `--rows` notices (default 10,000) with autocannon (10 connections,
 *    `--duration` seconds per scenario). The load generator shares the machine's cores with the server.
 *
 * 4. Offline enrichment rate: the Korean title and summary alone, and the whole enrich step.
 * 5. Weekly digest: building a week of `--week-notices` notices (default 40) and rendering it in
 *    each format (Markdown, HTML, JSON, PDF), median of `--rounds`.
 * 6. Alerts: latency from storing a new notice (ingest with the outbox) to its signed webhook
 *    arriving at a receiver on loopback, dispatched at once as after a scrape; and the sending rate
 *    for a backlog of deliveries.
 *
 * 7. Search and API (`bench/search.ts`): bulk-loaded synthetic notices at 10k and 100k (or `--rows N`)
 *    on PGlite and PostgreSQL, HTTP load per scenario (list, filter, every search class, facets),
 *    CSV export, the naive `ILIKE` baseline; `--write-docs` writes docs/benchmarks.md.
 *
 * Options: --rows N, --duration S, --ingest N, --rounds N, --week-notices N, --write-docs,
 *          --only parse|ingest|enrich|api|digest|alerts|search
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import autocannon from 'autocannon';
import { SOURCES } from '../scrapers/index.js';
import { createApp } from '../src/api/app.js';
import { apiKeyAuthenticator } from '../src/api/api-keys.js';
import { decodeBody } from '../src/http/charset.js';
import { loadNoticeForEnrichment } from '../src/enrichment/enricher.js';
import { buildOfflineSummarizer, createEnricher, offlineSummarizer } from '../src/enrichment/index.js';
import { loadIssuerDirectory } from '../src/issuers/issuer.repository.js';
import type { IssuerDirectory } from '../src/issuers/issuer.directory.js';
import { ingestNotice } from '../src/notices/notice.ingest.js';
import { normalizeNotice } from '../src/notices/notice.normalize.js';
import { loadVocabulary, prng, syntheticNotice } from './synthetic.js';
import { BENCH_PG_URL, openStore, type Store } from './store.js';
import { runSearchBench, searchBenchOptions } from './search.js';
import { bulkLoadSearchCorpus } from './bulk-load.js';
import { createServer } from 'node:http';
import { Dispatcher } from '../src/alerts/dispatcher.js';
import { Outbox } from '../src/alerts/outbox.js';
import { buildDigest } from '../src/digest/digest.js';
import { renderPdf } from '../src/digest/render-pdf.js';
import { renderHtml, renderJson, renderMarkdown } from '../src/digest/render-text.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const only = (() => {
  const i = args.indexOf('--only');
  return i >= 0 ? args[i + 1] : null;
})();
const ROWS = option('rows', 10_000);
const DURATION = option('duration', 10);
const INGEST = option('ingest', 1_000);
const ROUNDS = option('rounds', 5);
const WEEK_NOTICES = option('week-notices', 40);
const PG_URL = BENCH_PG_URL;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmt = (n: number, digits = 1) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Every saved detail page of a source's fixtures that its expected.json says parses. */
function savedPages(sourceId: string): Array<{ url: string; html: string }> {
  const dir = join(process.cwd(), 'scrapers', sourceId, 'fixtures');
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Record<string, { ok?: boolean }>;
  const host = readdirSync(join(dir, 'mirror'))[0]!;
  return Object.keys(expected)
    .filter((u) => u.startsWith('http') && expected[u]?.ok === true)
    .map((url) => ({ url, html: decodeBody(new Uint8Array(readFileSync(join(dir, 'mirror', host, new URL(url).pathname))), 'text/html').text }));
}

/** Parse rate per source (its own saved pages), and parse + normalise for all of them together. */
async function benchParse(directory: IssuerDirectory) {
  console.log(`\n## Parse (each source's saved pages that parse, ${ROUNDS} rounds × 10 passes; median pages/s)`);
  console.log('| source | pages | avg K chars | parseDetail pages/s | + normalise pages/s |');
  console.log('|---|---:|---:|---:|---:|');
  const out: Record<string, number> = {};
  for (const source of SOURCES) {
    const pages = savedPages(source.id);
    const parseRates: number[] = [];
    const fullRates: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      let t = performance.now();
      for (let i = 0; i < 10; i++) for (const p of pages) source.parseDetail(p.html, p.url);
      parseRates.push((pages.length * 10) / ((performance.now() - t) / 1000));
      t = performance.now();
      for (let i = 0; i < 10; i++) {
        for (const p of pages) {
          const r = source.parseDetail(p.html, p.url);
          if (r.ok) await normalizeNotice(r.notice, { sourceId: source.id, directory });
        }
      }
      fullRates.push((pages.length * 10) / ((performance.now() - t) / 1000));
    }
    const chars = pages.reduce((n, p) => n + p.html.length, 0) / pages.length;
    out[source.id] = median(parseRates);
    console.log(`| ${source.id} | ${pages.length} | ${fmt(chars / 1024)} | ${fmt(median(parseRates), 0)} | ${fmt(median(fullRates), 0)} |`);
  }
  return out;
}

/** Offline enrichment: the Korean title and summary alone (no database), and the full enrich step. */
async function benchEnrich(store: Store) {
  const directory = await loadIssuerDirectory(store.db);
  const vocab = loadVocabulary();
  const rand = prng(99);
  const ids: string[] = [];
  for (let i = 0; i < INGEST; i++) {
    const { notice } = await normalizeNotice(syntheticNotice(vocab, rand, 50_000 + i), { sourceId: 'gov-cn', directory });
    ids.push((await ingestNotice(store.db, notice, { enricher: null })).noticeId);
  }
  const started = performance.now();
  buildOfflineSummarizer();
  const warm = performance.now() - started;
  const summarizer = offlineSummarizer();
  const enricher = createEnricher();
  const inputs = [];
  for (const id of ids) inputs.push((await loadNoticeForEnrichment(store.db, id))!.input);
  let t = performance.now();
  for (const input of inputs) summarizer.summarizeSync(input);
  const summaryRate = inputs.length / ((performance.now() - t) / 1000);
  t = performance.now();
  for (const id of ids) await store.db.transaction().execute((trx) => enricher.enrich(trx, id, true));
  const enrichRate = ids.length / ((performance.now() - t) / 1000);
  return { warm, summaryRate, enrichRate };
}

async function benchIngest(store: Store) {
  const directory = await loadIssuerDirectory(store.db);
  const enricher = createEnricher();
  const vocab = loadVocabulary();
  const rand = prng(42);
  const prepared = [];
  for (let i = 0; i < INGEST; i++) prepared.push((await normalizeNotice(syntheticNotice(vocab, rand, i), { sourceId: 'gov-cn', directory })).notice);
  const t = performance.now();
  for (const n of prepared) await ingestNotice(store.db, n, { enricher });
  const newRate = INGEST / ((performance.now() - t) / 1000);
  const t2 = performance.now();
  for (const n of prepared) await ingestNotice(store.db, n, { enricher });
  const againRate = INGEST / ((performance.now() - t2) / 1000);
  return { newRate, againRate };
}

/** The search benchmark's bulk load (worker threads, multi-row batches, indexes rebuilt after). */
async function bulkLoad(store: Store, rows: number) {
  return (await bulkLoadSearchCorpus(store.db, { rows })).seconds.total;
}

async function load(url: string) {
  const result = await autocannon({ url, connections: 10, duration: DURATION });
  return { p50: result.latency.p50, p99: result.latency.p99, rps: result.requests.average, errors: result.errors + result.non2xx };
}

async function benchApi(store: Store) {
  const seconds = await bulkLoad(store, ROWS);
  const directory = await loadIssuerDirectory(store.db);
  const app = createApp({ db: store.db, sources: SOURCES, directory: () => directory, authenticate: apiKeyAuthenticator(store.db, []), scrapes: null, version: 'bench' });
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const port = (server.address() as { port: number }).port;
  const base = `http://127.0.0.1:${port}`;
  const scenarios: Array<[string, string]> = [
    ['newest 20, no filter', '/api/notices'],
    ['issuer + date range', `/api/notices?issuer=${encodeURIComponent('财政部')}&from=2020-01-01&to=2022-12-31`],
    ['q: 2-char term', `/api/notices?q=${encodeURIComponent('医疗')}`],
    ['q: 4-char term', `/api/notices?q=${encodeURIComponent('医疗保障')}`],
    ['q: absent term', `/api/notices?q=${encodeURIComponent('量子引力')}`],
  ];
  const results: Array<[string, Awaited<ReturnType<typeof load>>]> = [];
  for (const [name, path] of scenarios) {
    await fetch(base + path); // warm
    results.push([name, await load(base + path)]);
  }
  await new Promise<void>((r) => server.close(() => r()));
  return { seconds, results };
}

/** A week (2020-W26) of synthetic notices, then the digest built and rendered in each format. */
async function benchDigest(store: Store) {
  const directory = await loadIssuerDirectory(store.db);
  const enricher = createEnricher();
  const vocab = loadVocabulary();
  const rand = prng(26);
  for (let i = 0; i < WEEK_NOTICES; i++) {
    const scraped = syntheticNotice(vocab, rand, 70_000 + i);
    const day = `2020-06-${22 + (i % 7)}`;
    scraped.writtenDate = day;
    scraped.publishedDate = day;
    const { notice } = await normalizeNotice(scraped, { sourceId: 'gov-cn', directory });
    await ingestNotice(store.db, notice, { enricher });
  }
  const times: Record<string, number[]> = { build: [], md: [], html: [], json: [], pdf: [] };
  const sizes: Record<string, number> = {};
  let sections = 0;
  let pages = 0;
  for (let round = 0; round < ROUNDS; round++) {
    let t = performance.now();
    const digest = await buildDigest(store.db, { week: '2020-W26' });
    times.build!.push(performance.now() - t);
    sections = digest.sections.length;
    for (const [format, render] of [
      ['md', renderMarkdown],
      ['html', renderHtml],
      ['json', renderJson],
    ] as const) {
      t = performance.now();
      const out = render(digest);
      times[format]!.push(performance.now() - t);
      sizes[format] = Buffer.byteLength(out);
    }
    t = performance.now();
    const pdf = await renderPdf(digest);
    times.pdf!.push(performance.now() - t);
    sizes.pdf = pdf.length;
    pages = (Buffer.from(pdf).toString('latin1').match(/\/Type\s*\/Page\b/g) ?? []).length;
  }
  return { times, sizes, sections, pages };
}

/** Store → signed webhook on loopback, dispatched at once (as the scrape job does after a run). */
async function benchAlerts(store: Store) {
  const directory = await loadIssuerDirectory(store.db);
  const enricher = createEnricher();
  const outbox = new Outbox();
  const vocab = loadVocabulary();
  const rand = prng(6);
  const arrivals: number[] = [];
  let onArrival: (() => void) | null = null;
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      arrivals.push(performance.now());
      res.writeHead(204).end();
      onArrival?.();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
  await store.db
    .insertInto('subscriptions')
    .values({ id: 'sub_bench', kind: 'alert', filter: JSON.stringify({}), channel: JSON.stringify({ type: 'webhook', url }), events: ['notice.created'], secret: `whsec_${Buffer.alloc(24, 7).toString('base64')}`, unsubscribe_token: 'tok_bench', created_by: 'bench', created_at: new Date(Date.now() - 60_000) })
    .execute();
  const dispatcher = new Dispatcher({ db: store.db, retrySchedule: [1000], allowPrivate: true, timeoutMs: 5000, disableAfterMs: 3_600_000, mailer: null, publicUrl: () => null });
  const latencies: number[] = [];
  const ingestShare: number[] = [];
  const n = Math.max(ROUNDS * 6, 30);
  for (let i = 0; i < n; i++) {
    const { notice } = await normalizeNotice(syntheticNotice(vocab, rand, 80_000 + i), { sourceId: 'gov-cn', directory });
    const arrived = new Promise<void>((r) => (onArrival = r));
    const t0 = performance.now();
    await ingestNotice(store.db, notice, { enricher, outbox });
    const stored = performance.now();
    await dispatcher.dispatchDue();
    await arrived;
    latencies.push(arrivals.at(-1)! - t0);
    ingestShare.push(stored - t0);
  }
  // a backlog: 200 stored notices, then one dispatcher run
  onArrival = null;
  for (let i = 0; i < 200; i++) {
    const { notice } = await normalizeNotice(syntheticNotice(vocab, rand, 90_000 + i), { sourceId: 'gov-cn', directory });
    await ingestNotice(store.db, notice, { enricher, outbox });
  }
  const t = performance.now();
  const sent = await dispatcher.dispatchDue(1000);
  const rate = sent.filter((r) => r.ok).length / ((performance.now() - t) / 1000);
  await new Promise<void>((r) => receiver.close(() => r()));
  return { n, latency: median(latencies), p90: [...latencies].sort((a, b) => a - b)[Math.floor(latencies.length * 0.9)]!, ingest: median(ingestShare), rate, sent: sent.length };
}

async function main() {
  console.log(`# China Policy Tracker benchmarks — ${new Date().toISOString()}`);
  console.log(`node ${process.version}, ${(await import('node:os')).cpus().length} cores; PostgreSQL: ${PG_URL ? 'yes' : 'not set (BENCH_DATABASE_URL / TEST_DATABASE_URL)'}`);
  const kinds: Array<'pglite' | 'postgres'> = PG_URL ? ['pglite', 'postgres'] : ['pglite'];

  if (!only || only === 'parse') {
    const store = await openStore('pglite');
    await benchParse(await loadIssuerDirectory(store.db));
    await store.close();
  }
  if (!only || only === 'ingest') {
    console.log(`\n## Ingest (${INGEST} synthetic notices, one transaction each, one connection)`);
    const rates: Record<string, { newRate: number; againRate: number }> = {};
    for (const kind of kinds) {
      const store = await openStore(kind);
      rates[kind] = await benchIngest(store);
      await store.close();
      console.log(`${kind.padEnd(9)} new: ${fmt(rates[kind]!.newRate, 0)} notices/s   re-ingest (unchanged): ${fmt(rates[kind]!.againRate, 0)} notices/s`);
    }
    if (rates.postgres) console.log(`ratio PGlite/PostgreSQL (new): ${fmt(rates.pglite!.newRate / rates.postgres.newRate, 2)}`);
  }
  if (!only || only === 'enrich') {
    console.log(`\n## Offline enrichment (${INGEST} synthetic notices: sectors, Korean title and summary, search index)`);
    for (const kind of kinds) {
      const store = await openStore(kind);
      const r = await benchEnrich(store);
      await store.close();
      console.log(
        `${kind.padEnd(9)} title+summary only: ${fmt(r.summaryRate, 0)} notices/s   full enrich step (one transaction each): ${fmt(r.enrichRate, 0)} notices/s   (dictionaries loaded in ${fmt(r.warm, 0)} ms)`,
      );
    }
  }
  if (!only || only === 'digest') {
    console.log(`\n## Weekly digest (2020-W26 with ${WEEK_NOTICES} notices; median of ${ROUNDS} rounds)`);
    for (const kind of kinds) {
      const store = await openStore(kind);
      const r = await benchDigest(store);
      await store.close();
      const line = (['build', 'md', 'html', 'json', 'pdf'] as const)
        .map((k) => `${k} ${fmt(median(r.times[k]!), 1)} ms${r.sizes[k] ? ` (${fmt(r.sizes[k]! / 1024, 0)} KiB)` : ''}`)
        .join('   ');
      console.log(`${kind.padEnd(9)} ${line}   — ${r.sections} sector sections, PDF ${r.pages} pages; PDF/HTML time ratio ${fmt(median(r.times.pdf!) / Math.max(median(r.times.html!), 0.01), 0)}×`);
    }
  }
  if (!only || only === 'alerts') {
    console.log('\n## Alerts: store → signed webhook on loopback (dispatched right after the store, as after a scrape)');
    for (const kind of kinds) {
      const store = await openStore(kind);
      const r = await benchAlerts(store);
      await store.close();
      console.log(
        `${kind.padEnd(9)} latency median ${fmt(r.latency)} ms, p90 ${fmt(r.p90)} ms over ${r.n} notices (of which storing: ${fmt(r.ingest)} ms)   backlog: ${r.sent} deliveries at ${fmt(r.rate, 0)}/s`,
      );
    }
    console.log('Deliveries not sent at once wait for the dispatcher tick (CPT_DISPATCH_CRON, every 5 s by default).');
  }
  if (!only || only === 'search') {
    await runSearchBench(searchBenchOptions(args));
  }
  // the search section covers these scenarios and more in the default run
  if (only === 'api') {
    console.log(`\n## GET /api/notices at ${ROWS.toLocaleString('en-US')} notices (autocannon, 10 connections, ${DURATION} s per scenario, loopback)`);
    const all: Record<string, Array<[string, { p50: number; p99: number; rps: number; errors: number }]>> = {};
    for (const kind of kinds) {
      const store = await openStore(kind);
      const { seconds, results } = await benchApi(store);
      await store.close();
      all[kind] = results;
      console.log(`\n${kind} (bulk load ${fmt(seconds)} s)`);
      console.log('| scenario | p50 ms | p99 ms | req/s | errors |');
      console.log('|---|---:|---:|---:|---:|');
      for (const [name, r] of results) console.log(`| ${name} | ${r.p50} | ${r.p99} | ${fmt(r.rps, 0)} | ${r.errors} |`);
    }
    if (all.postgres && all.pglite) {
      console.log('\nratio PGlite/PostgreSQL (p50 latency):');
      for (const [i, [name]] of all.pglite.entries()) {
        console.log(`  ${name}: ${fmt(all.pglite[i]![1].p50 / Math.max(all.postgres[i]![1].p50, 0.01), 2)}×`);
      }
    }
  }
}

await main();
