/**
 * The naive baseline of a search: `ILIKE '%term%'` over the searched text columns with the list's
 * order and page size (21 rows: a page of 20 and one to know there is more), straight through
 * Kysely; and the time of an exact `count(*)` of a term through the bigram index.
 * @module
 */
import { type Kysely, sql, type SqlBool } from 'kysely';
import type { Database } from '../src/db/schema.js';
import { parseSearchQuery, toTsQuery } from '../src/domain/search-text.js';

export interface Timing {
  median: number;
  /** The 99th percentile, when at least 50 runs were cheap enough to make. */
  p99: number | null;
  runs: number;
  /** Rows the query returned (or the count). */
  rows: number;
}

/** Runs `fn` at least `minRuns` times and for at least `minMs` (at most `maxRuns` times). */
export async function timeRuns(fn: () => Promise<number>, minRuns = 5, minMs = 1_000, maxRuns = 200): Promise<Timing> {
  await fn(); // warm the cache
  const times: number[] = [];
  let rows = 0;
  const start = performance.now();
  while (times.length < minRuns || (performance.now() - start < minMs && times.length < maxRuns)) {
    const t = performance.now();
    rows = await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const m = Math.floor(times.length / 2);
  const median = times.length % 2 ? times[m]! : (times[m - 1]! + times[m]!) / 2;
  const p99 = times.length >= 50 ? times[Math.min(times.length - 1, Math.ceil(times.length * 0.99) - 1)]! : null;
  return { median, p99, runs: times.length, rows };
}

/** `%` and `_` are wildcards in LIKE; the term is matched literally. */
function likePattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The newest 21 notices whose Chinese or Korean text contains `term`, by a plain scan. */
export function naiveSearch(db: Kysely<Database>, term: string): Promise<Timing> {
  const pattern = likePattern(term);
  return timeRuns(async () => {
    const rows = await db
      .selectFrom('notices as n')
      .select(['n.id', 'n.title_zh', 'n.title_ko', 'n.sort_date'])
      .where((eb) =>
        eb.or([
          eb('n.title_zh', 'ilike', pattern),
          eb('n.body_text', 'ilike', pattern),
          eb('n.title_ko', 'ilike', pattern),
          eb('n.summary_ko', 'ilike', pattern),
        ]),
      )
      .orderBy(sql`n.sort_date desc nulls last`)
      .orderBy('n.id', 'desc')
      .limit(21)
      .execute();
    return rows.length;
  });
}

/** An exact `count(*)` of the notices whose index has every bigram of `term` (exact for 2 characters). */
export function indexedCount(db: Kysely<Database>, term: string): Promise<Timing> {
  const tsquery = toTsQuery(parseSearchQuery(term).terms);
  if (!tsquery) throw new Error(`"${term}" has no index lexemes`);
  return timeRuns(async () => {
    const row = await db
      .selectFrom('notices as n')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .where(sql<SqlBool>`n.search_vector @@ ${tsquery}::tsquery`)
      .executeTakeFirstOrThrow();
    return Number(row.count);
  });
}
