/**
 * Bench-only bulk load: N synthetic notices computed in worker threads (`bulk-rows.ts`: normalised
 * as ingest does, enriched with the enricher's pure parts) and inserted by this thread in large
 * multi-row batches, in corpus order, while the workers compute the next batches. The secondary
 * indexes are dropped during the load and rebuilt after it, then `vacuum analyze` (what autovacuum
 * does to a live store: statistics, and the visibility map that lets counts read only indexes).
 *
 * What ingest does and this skips: revision and duplicate matching (every notice is new), the
 * `enrichment_jobs` queue (offline provider only) and the alert outbox.
 * @module
 */
import { type Kysely, sql } from 'kysely';
import { Worker } from 'node:worker_threads';
import type { Database, SectorMethod } from '../src/db/schema.js';
import type { RegistryIssuer } from './bulk-rows.js';
import type { WorkerBatch, WorkerInput } from './bulk-worker.js';
import { type ChosenTerm, loadLexicon, TermCounter } from './search-corpus.js';

/** Tables whose secondary indexes are dropped for the load (constraint indexes stay). */
const LOADED_TABLES = ['notices', 'notice_sources', 'notice_issuers', 'notice_sectors'];
/** PostgreSQL's limit of bound parameters in one statement, with a margin. */
const MAX_PARAMETERS = 60_000;

export interface LoadTimings {
  /** Wall time of generating, enriching and inserting (overlapping on PostgreSQL). */
  load: number;
  /** Computing rows in the worker threads (summed over workers). */
  compute: number;
  /** The inserting thread waiting for computed rows. */
  waited: number;
  /** The inserting thread waiting for the database (two batches in flight). */
  insert: number;
  indexes: number;
  analyze: number;
  total: number;
}

export interface LoadResult {
  rows: number;
  seconds: LoadTimings;
  terms: ChosenTerm[];
  /** Notices per sector code (computed sectors). */
  sectors: Map<string, number>;
  indexes: string[];
}

interface SecondaryIndex {
  name: string;
  definition: string;
}

/** Secondary indexes of the loaded tables, read from the catalog (whatever the migrations made). */
async function secondaryIndexes(db: Kysely<Database>): Promise<SecondaryIndex[]> {
  const result = await sql<{ indexname: string; indexdef: string }>`
    select i.indexname, i.indexdef from pg_indexes i
    where i.schemaname = current_schema() and i.tablename in (${sql.join(LOADED_TABLES)})
      and not exists (select 1 from pg_constraint c where c.conname = i.indexname)
    order by i.tablename, i.indexname`.execute(db);
  return result.rows.map((r) => ({ name: r.indexname, definition: r.indexdef }));
}

type NoticeInsert = Parameters<ReturnType<Kysely<Database>['insertInto']>['values']>[0];

interface Batch {
  notices: Array<Record<string, unknown>>;
  sources: Array<Record<string, unknown>>;
  issuers: Array<Record<string, unknown>>;
  sectors: Array<{ notice_id: string; code: string; score: number; method: SectorMethod }>;
}

async function insertBatch(db: Kysely<Database>, b: Batch): Promise<void> {
  const chunks = <T>(rows: T[]): T[][] => {
    if (!rows.length) return [];
    const per = Math.max(1, Math.floor(MAX_PARAMETERS / Object.keys(rows[0]!).length));
    const out: T[][] = [];
    for (let i = 0; i < rows.length; i += per) out.push(rows.slice(i, i + per));
    return out;
  };
  await db.transaction().execute(async (trx) => {
    for (const c of chunks(b.notices)) await trx.insertInto('notices').values(c as NoticeInsert as never).execute();
    for (const c of chunks(b.sources)) await trx.insertInto('notice_sources').values(c as never).execute();
    for (const c of chunks(b.issuers)) await trx.insertInto('notice_issuers').values(c as never).execute();
    for (const c of chunks(b.sectors)) await trx.insertInto('notice_sectors').values(c).execute();
  });
}

export interface BulkLoadOptions {
  rows: number;
  batch?: number;
  seed?: number;
  /** Worker threads computing rows (default: 2, the machine's cores). */
  workers?: number;
  onProgress?: (done: number) => void;
}

export async function bulkLoadSearchCorpus(db: Kysely<Database>, options: BulkLoadOptions): Promise<LoadResult> {
  const started = performance.now();
  const { rows, batch = 1_000, seed = 7 } = options;
  const batches = Math.ceil(rows / batch);
  const workerCount = Math.max(1, Math.min(options.workers ?? 2, batches));
  const registry: RegistryIssuer[] = await db.selectFrom('issuers').select(['id', 'name_zh', 'aliases', 'name_ko', 'sectors']).execute();
  const counter = new TermCounter(loadLexicon());
  const sectorCounts = new Map<string, number>();

  const indexes = await secondaryIndexes(db);
  for (const index of indexes) await sql`drop index ${sql.id(index.name)}`.execute(db);

  const input: WorkerInput = { registry, rows, batch, seed, now: Date.now() };
  const workers = Array.from({ length: workerCount }, () => new Worker(new URL('./bulk-worker.mjs', import.meta.url), { workerData: input }));
  const ready = new Map<number, WorkerBatch>();
  let wake: (() => void) | null = null;
  let failure: unknown = null;
  for (const w of workers) {
    w.on('message', (m: WorkerBatch) => {
      ready.set(m.batch, m);
      wake?.();
    });
    w.on('error', (e) => {
      failure = e;
      wake?.();
    });
  }
  // batch b is computed by worker b % workers; at most two batches per worker are ahead of the insert
  const request = (b: number) => {
    if (b < batches) workers[b % workerCount]!.postMessage({ batch: b });
  };
  for (let b = 0; b < 2 * workerCount; b++) request(b);

  let compute = 0;
  let waited = 0;
  let inserting = 0;
  const inFlight: Array<Promise<void>> = [];
  try {
    for (let b = 0; b < batches; b++) {
      const waitStart = performance.now();
      while (!ready.has(b)) {
        if (failure) throw failure;
        await new Promise<void>((r) => (wake = r));
      }
      waited += performance.now() - waitStart;
      const { items, ms } = ready.get(b)!;
      ready.delete(b);
      request(b + 2 * workerCount);
      compute += ms;
      const rowsOf: Batch = { notices: [], sources: [], issuers: [], sectors: [] };
      for (const item of items) {
        rowsOf.notices.push({ ...item.notice, search_vector: sql`array_to_tsvector(${item.lexemes}::text[])` });
        rowsOf.sources.push(item.locator);
        rowsOf.issuers.push(...item.issuers);
        rowsOf.sectors.push(...item.sectors);
        for (const s of item.sectors) sectorCounts.set(s.code, (sectorCounts.get(s.code) ?? 0) + 1);
        counter.observe({ ...item.searchable, lexemes: item.lexemes });
      }
      // two batches in flight on two connections: the database works on one while this thread
      // builds and sends the next
      const insertStart = performance.now();
      if (inFlight.length >= 2) await inFlight.shift();
      inserting += performance.now() - insertStart;
      const done = Math.min(rows, (b + 1) * batch);
      const inserted = insertBatch(db, rowsOf).then(() => options.onProgress?.(done));
      inserted.catch(() => {}); // awaited (and thrown) below; not an unhandled rejection meanwhile
      inFlight.push(inserted);
    }
    const insertStart = performance.now();
    await Promise.all(inFlight);
    inserting += performance.now() - insertStart;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  const loaded = performance.now();

  // Bench-only: more sort memory for the index builds (the GIN build is the slow part). Building
  // the GIN and btree indexes side by side on two connections was tried: no gain, GIN dominates.
  await db.connection().execute(async (conn) => {
    await sql`set maintenance_work_mem = '256MB'`.execute(conn);
    // definitions come from the catalog (pg_indexes) as read before the drop, not from input
    for (const index of indexes) await sql.raw(index.definition).execute(conn);
    await sql`reset maintenance_work_mem`.execute(conn);
  });
  const indexed = performance.now();
  await sql`vacuum analyze`.execute(db);
  const done = performance.now();
  return {
    rows,
    seconds: {
      load: (loaded - started) / 1000,
      compute: compute / 1000,
      waited: waited / 1000,
      insert: inserting / 1000,
      indexes: (indexed - loaded) / 1000,
      analyze: (done - indexed) / 1000,
      total: (done - started) / 1000,
    },
    terms: counter.chosen(),
    sectors: sectorCounts,
    indexes: indexes.map((i) => i.name),
  };
}
