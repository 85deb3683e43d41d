/**
 * The search and API benchmark (`npm run bench -- --only search`): synthetic notices bulk-loaded
 * into PGlite and PostgreSQL at 10k and 100k rows (or `--rows N`; PostgreSQL only above 100k), then
 * real HTTP load over loopback per scenario (list, filter, every search class, facets), a CSV export
 * of every row, the naive `ILIKE` baseline of each search and an exact count of the common term.
 *
 * Options: --rows N, --duration S (per scenario, default 20), --db postgres|pglite (one database only),
 *          --write-docs (docs/benchmarks.md)
 * @module
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { sql } from 'kysely';
import { indexedCount, naiveSearch } from './baseline.js';
import { bulkLoadSearchCorpus } from './bulk-load.js';
import { measureExport, runScenario, startBenchServer } from './http-load.js';
import type { TermClass } from './search-corpus.js';
import { type MachineFacts, type RunResult, type ScenarioRow, renderMarkdown, renderRun, renderRatios } from './search-report.js';
import { BENCH_PG_URL, openStore, type StoreKind } from './store.js';

export interface SearchBenchOptions {
  sizes: number[];
  /** Only this database (`--db postgres|pglite`); both when absent. */
  only: StoreKind | null;
  duration: number;
  writeDocs: boolean;
  commandLine: string;
}

export function searchBenchOptions(argv: string[]): SearchBenchOptions {
  const value = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const rows = value('rows');
  return {
    sizes: rows ? [Number(rows)] : [10_000, 100_000],
    only: value('db') === 'postgres' || value('db') === 'pglite' ? (value('db') as StoreKind) : null,
    duration: Number(value('duration') ?? 20),
    writeDocs: argv.includes('--write-docs'),
    // the database URL is named, not shown (it may hold a password)
    commandLine: `${process.env.BENCH_DATABASE_URL ? 'BENCH_DATABASE_URL=postgres://… ' : process.env.TEST_DATABASE_URL ? 'TEST_DATABASE_URL=postgres://… ' : ''}npm run bench -- ${argv.join(' ')}`.trim(),
  };
}

/** PGlite holds its data in memory here; above this it is skipped (1M is a PostgreSQL-only run). */
const PGLITE_MAX_ROWS = 100_000;

const SEARCH_SCENARIOS: Array<[TermClass, string]> = [
  ['common2', 'q: 2-char common'],
  ['rare2', 'q: 2-char rare'],
  ['common4', 'q: 4-char'],
  ['rare4', 'q: 4-char rare'],
  ['korean', 'q: Korean'],
  ['absent', 'q: absent term'],
];

async function benchOne(kind: StoreKind, rows: number, duration: number): Promise<RunResult> {
  const store = await openStore(kind);
  try {
    const version = (await sql<{ version: string }>`select version() as version`.execute(store.db)).rows[0]!.version;
    const load = await bulkLoadSearchCorpus(store.db, {
      rows,
      onProgress: process.stdout.isTTY ? (done) => process.stdout.write(`  ${kind} loaded ${done.toLocaleString('en-US')} / ${rows.toLocaleString('en-US')}\r`) : undefined,
    });
    console.log(`  ${kind} loaded ${rows.toLocaleString('en-US')} notices in ${load.seconds.total.toFixed(1)} s`);
    // a selective filter: the sector whose share is closest to 10%
    const [sector, sectorDocs] = [...load.sectors].sort((a, b) => Math.abs(a[1] / rows - 0.1) - Math.abs(b[1] / rows - 0.1))[0]!;
    const server = await startBenchServer(store.db);
    const scenarios: ScenarioRow[] = [];
    try {
      const add = async (row: Omit<ScenarioRow, 'result'>, optional = false) => {
        const result = await runScenario(server.base, row.name, row.path, duration, optional);
        scenarios.push({ ...row, result });
        const r = result;
        console.log(
          `  ${kind} ${row.name}: ${r.available ? `p50 ${r.p50} ms, p99 ${r.p99} ms, ${Math.round(r.rps)} req/s, non-2xx ${r.non2xx}` : `not available (${r.warmStatus})`}`,
        );
      };
      await add({ group: 'list', name: 'list, no filter', path: '/api/notices' });
      await add({
        group: 'filter',
        name: `sector + date range`,
        note: `sector=${sector} (${((sectorDocs / rows) * 100).toFixed(1)}%), 2020–2022`,
        path: `/api/notices?sector=${sector}&from=2020-01-01&to=2022-12-31`,
      });
      for (const [cls, name] of SEARCH_SCENARIOS) {
        const term = load.terms.find((t) => t.cls === cls)!;
        await add({ group: 'search', name, term, path: `/api/notices?q=${encodeURIComponent(term.term)}` });
      }
      for (const by of ['sector', 'issuer', 'month']) {
        await add({ group: 'facet', name: `facets by=${by}`, path: `/api/notices/facets?by=${by}` }, true);
      }
      const exported = await measureExport(server, '/api/notices?format=csv');
      console.log(`  ${kind} CSV export: ${exported.available ? `${exported.rows} rows in ${Math.round(exported.lastByteMs)} ms` : `not available (${exported.status})`}`);
      const peakRss = server.rss.peak;
      await server.close();
      // baselines after the HTTP load, with the server closed
      for (const row of scenarios) {
        if (row.term) row.naive = await naiveSearch(store.db, row.term.term);
      }
      const common = load.terms.find((t) => t.cls === 'common2')!;
      const count = { term: common.term, ...(await indexedCount(store.db, common.term)) };
      return { kind, rows, version, load, scenarios, exported, count, peakRss, duration };
    } catch (e) {
      await server.close().catch(() => {});
      throw e;
    }
  } finally {
    await store.close();
  }
}

async function machineFacts(options: SearchBenchOptions, versions: Map<StoreKind, string>): Promise<MachineFacts> {
  const require = createRequire(import.meta.url);
  const pgliteEntry = require.resolve('@electric-sql/pglite');
  // the package root is above dist/; its package.json is not exported, so read it from disk
  let dir = dirname(pgliteEntry);
  while (!dir.endsWith('pglite')) dir = dirname(dir);
  const { readFileSync } = await import('node:fs');
  const pgliteVersion = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  return {
    date: new Date().toISOString(),
    command: options.commandLine,
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    // `PostgreSQL 15.20 (Debian …) on x86_64-pc-linux-gnu, compiled by …`: the part before ` on `
    postgres: versions.get('postgres')?.split(' on ')[0] ?? 'not run',
    pglite: `${pgliteVersion} (${versions.get('pglite')?.split(' on ')[0] ?? 'not run'})`,
    loadAverage: loadavg().map((l) => l.toFixed(2)).join(', '),
  };
}

export async function runSearchBench(options: SearchBenchOptions): Promise<void> {
  const kinds: StoreKind[] = (BENCH_PG_URL ? (['pglite', 'postgres'] as const) : (['pglite'] as const)).filter((k) => !options.only || k === options.only);
  console.log(
    `\n## Search and API at ${options.sizes.map((n) => n.toLocaleString('en-US')).join(' and ')} notices ` +
      `(autocannon over loopback, 10 connections, ${options.duration} s per scenario; the load generator shares the machine's ${cpus().length} cores with the server and the database)`,
  );
  if (!BENCH_PG_URL) console.log('PostgreSQL: not set (BENCH_DATABASE_URL / TEST_DATABASE_URL); PGlite only');
  const loadStart = loadavg().map((l) => l.toFixed(2)).join(', ');
  const results: RunResult[] = [];
  const versions = new Map<StoreKind, string>();
  for (const rows of options.sizes) {
    for (const kind of kinds) {
      if (kind === 'pglite' && rows > PGLITE_MAX_ROWS) {
        console.log(`PGlite skipped at ${rows.toLocaleString('en-US')} rows (in-memory; the opt-in large run is PostgreSQL only)`);
        continue;
      }
      console.log(`\n${kind}, ${rows.toLocaleString('en-US')} notices:`);
      const result = await benchOne(kind, rows, options.duration);
      versions.set(kind, result.version);
      results.push(result);
      console.log(renderRun(result));
    }
    const pair = results.filter((r) => r.rows === rows);
    if (pair.length === 2) console.log(renderRatios(pair.find((r) => r.kind === 'pglite')!, pair.find((r) => r.kind === 'postgres')!));
  }
  const facts = await machineFacts(options, versions);
  facts.loadAverage = `${loadStart} at the start, ${facts.loadAverage} at the end`;
  if (options.writeDocs) {
    const path = join(process.cwd(), 'docs', 'benchmarks.md');
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, renderMarkdown(facts, results));
    console.log(`\nwrote ${path}`);
  }
}
