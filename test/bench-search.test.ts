/**
 * The search benchmark's own correctness (not its timings): the bulk load writes what ingest and
 * the enricher would, the chosen terms' counted frequencies are the database's, and the export
 * measurement counts CSV records right.
 */
import { createServer } from 'node:http';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bulkLoadSearchCorpus, type LoadResult } from '../bench/bulk-load.js';
import { measureExport, RssSampler } from '../bench/http-load.js';
import { createEnricher } from '../src/enrichment/index.js';
import { createTestDatabase, type TestDatabase } from './support/databases.js';

describe('search benchmark bulk load (PGlite)', () => {
  let t: TestDatabase;
  let load: LoadResult;
  let indexesBefore: string[];

  const indexNames = async () =>
    (
      await sql<{ indexname: string }>`select indexname from pg_indexes where schemaname = current_schema() and tablename like 'notice%' order by 1`.execute(
        t.db,
      )
    ).rows.map((r) => r.indexname);

  beforeAll(async () => {
    t = await createTestDatabase('pglite');
    indexesBefore = await indexNames();
    load = await bulkLoadSearchCorpus(t.db, { rows: 120, batch: 25, workers: 2 });
  }, 120_000);
  afterAll(() => t?.close());

  it('stores every notice with its source, issuers and sectors, and rebuilds the dropped indexes', async () => {
    const count = async (table: 'notices' | 'notice_sources') =>
      Number((await t.db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
    expect(await count('notices')).toBe(120);
    expect(await count('notice_sources')).toBe(120);
    expect(load.indexes).toContain('notices_search_idx');
    expect(await indexNames()).toEqual(indexesBefore);
    const sectors = await t.db.selectFrom('notice_sectors').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(Number(sectors.n)).toBe([...load.sectors.values()].reduce((a, b) => a + b, 0));
  });

  it('writes the same enrichment and search index as the enricher', async () => {
    const ids = (await t.db.selectFrom('notices').select('id').orderBy('id').limit(4).execute()).map((r) => r.id);
    const snapshot = async (id: string) => {
      const row = await t.db
        .selectFrom('notices')
        .select(['title_ko', 'summary_ko', 'key_points', 'korea_relevant', 'korea_reasons', 'summary_status', 'summary_source_hash'])
        .select(sql<string>`search_vector::text`.as('vector'))
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      const sectors = await t.db.selectFrom('notice_sectors').select(['code', 'score', 'method']).where('notice_id', '=', id).orderBy('code').execute();
      return { ...row, sectors };
    };
    const enricher = createEnricher();
    for (const id of ids) {
      const loaded = await snapshot(id);
      expect(loaded.vector.length).toBeGreaterThan(100);
      await t.db.transaction().execute((trx) => enricher.enrich(trx, id, true));
      expect(await snapshot(id)).toEqual(loaded);
    }
  });

  it('reports document frequencies of the chosen terms that match the stored text', async () => {
    expect(load.terms.map((x) => x.cls)).toEqual(['common2', 'rare2', 'common4', 'rare4', 'korean', 'absent']);
    for (const term of load.terms) {
      const pattern = `%${term.term}%`;
      const row = await t.db
        .selectFrom('notices as n')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where((eb) =>
          eb.or([eb('n.title_zh', 'like', pattern), eb('n.body_text', 'like', pattern), eb('n.title_ko', 'like', pattern), eb('n.summary_ko', 'like', pattern)]),
        )
        .executeTakeFirstOrThrow();
      expect({ term: term.term, docs: Number(row.n) }).toEqual({ term: term.term, docs: term.docs });
    }
    expect(load.terms.find((x) => x.cls === 'absent')!.docs).toBe(0);
    expect(load.terms.find((x) => x.cls === 'common2')!.docs).toBeGreaterThan(0);
  });
});

describe('export measurement', () => {
  it('counts CRLF-terminated CSV records, with line breaks inside fields (quoted or not)', async () => {
    const csv = '\uFEFFid,summary\r\n1,"a\r\nb"\r\n2,first\nsecond\r\n3,"say ""hi"""\r\n';
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/csv' }).end(csv));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const rss = new RssSampler();
    try {
      const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      const result = await measureExport({ base, rss, close: async () => {} }, '/export.csv');
      expect(result).toMatchObject({ available: true, status: 200, rows: 3, bytes: Buffer.byteLength(csv) });
      expect(result.rssPeak).toBeGreaterThan(0);
    } finally {
      server.close();
    }
  });
});
