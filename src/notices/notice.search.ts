/**
 * Pages of notices in list order, with or without a search. Which plan finds a page fast depends
 * on how common the terms are, and no single SQL plan is right for all of them (a rare term wants
 * the index first; a common one wants the newest rows first with a check), so the choice is made
 * here, in steps that each either finish the page or hand on:
 *
 * 1. **Newest rows first, briefly.** Walk the list order through the first `firstWindow` rows that
 *    pass the filters, checking each, and stop at the page's last match. A term in a fifth of the
 *    notices or more fills the page here.
 * 2. **Index, capped** (only when step 1 found fewer than `commonAfter` matches, i.e. the term
 *    looks rare). Ask the bigram index for at most `candidateCap` matches. Fewer than that means
 *    these are all the candidates: sort them by the list order and check their text a chunk at a
 *    time until the page is full.
 * 3. **Newest rows first, longer.** The term is common: walk up to `window` rows as in step 1.
 * 4. **Index, ordered.** Common, but not among the newest rows: take the candidates in list order,
 *    `orderedBatch` at a time, and check them in chunks as in step 2.
 *
 * Steps 2 and 4 are exact for every term; steps 1 and 3 only ever return rows that match, and
 * return a page only when it is complete.
 * @module
 */
import { type Kysely, type RawBuilder, sql, type SqlBool } from 'kysely';
import type { Database } from '../db/schema.js';
import { parseSearchQuery, type ParsedQuery, type SearchTerm } from '../domain/search-text.js';
import {
  afterCursor,
  allOf,
  containsTerm,
  type Direction,
  filteredNotices,
  hasTerm,
  indexMatch,
  inTitles,
  type NoticeCursor,
  type NoticeFilter,
  type NoticeSort,
  orderKey,
} from './notice.filter.js';

/** Tuning of the search plan (see the module comment). */
export interface SearchTuning {
  /** Rows read in list order first (step 1). */
  firstWindow: number;
  /** Matches in the first window that show a term is common enough to skip the index probe. */
  commonAfter: number;
  /** Most candidates taken from the index to decide a term is rare (step 2). */
  candidateCap: number;
  /** Rows read in list order once the term is known to be common (step 3). */
  window: number;
  /** Candidates taken from the index in list order at a time (step 4). */
  orderedBatch: number;
  /** Rows whose text is checked per query. */
  chunk: number;
}

/**
 * Measured at 100,000 notices (docs/benchmarks.md): reading a row in the window costs about as
 * much as fetching ten candidates from the index; a term in a fifth of the notices fills a page
 * within the first 200 rows, and three matches there mean the term is in more than 1% of them.
 */
export const DEFAULT_TUNING: SearchTuning = {
  firstWindow: 200,
  commonAfter: 3,
  candidateCap: 500,
  window: 2000,
  orderedBatch: 2000,
  chunk: 50,
};

/** One row of a page as the plan finds it: id, order key and relevance tier. */
export interface PageEntry {
  id: string;
  key: string;
  tier: 0 | 1 | null;
}

/** What a query asks for, resolved once. */
interface PlanInput {
  db: Kysely<Database>;
  filter: NoticeFilter;
  direction: Direction;
  cursor: NoticeCursor | null;
  /** Rows wanted (the page and one more, to know whether there is a next page). */
  want: number;
  query: ParsedQuery | null;
  /** Extra condition on the text (relevance tier), checked with the terms, and the tier it selects. */
  tierCondition: RawBuilder<SqlBool> | null;
  tier: 0 | 1 | null;
  tuning: SearchTuning;
}

/** The query had only punctuation: nothing can match it. */
export function isEmptyQuery(query: ParsedQuery | null): boolean {
  return query !== null && query.terms.length === 0 && query.excluded.length === 0;
}

/** Everything a row must satisfy to match the query, as one condition (a plan for counting). */
export function queryCondition(query: ParsedQuery): RawBuilder<SqlBool> {
  if (isEmptyQuery(query)) return sql<SqlBool>`false`;
  const parts: Array<RawBuilder<SqlBool>> = [];
  for (const term of query.terms) parts.push(hasTerm(term));
  for (const term of query.excluded) parts.push(sql<SqlBool>`not ${hasTerm(term)}`);
  return allOf(parts);
}

/** Everything a matching row must satisfy apart from the filters, as one condition. */
function matchCondition(input: PlanInput): RawBuilder<SqlBool> {
  const parts: Array<RawBuilder<SqlBool>> = [];
  if (input.query) parts.push(queryCondition(input.query));
  if (input.tierCondition) parts.push(input.tierCondition);
  return allOf(parts);
}

/** The part of the match the index cannot prove: text checks, exclusions, single characters, tier. */
function recheckCondition(input: PlanInput): RawBuilder<SqlBool> | null {
  const parts: Array<RawBuilder<SqlBool>> = [];
  for (const term of input.query?.terms ?? []) if (term.needsRecheck) parts.push(containsTerm(term));
  for (const term of input.query?.excluded ?? []) parts.push(sql<SqlBool>`not ${hasTerm(term)}`);
  if (input.tierCondition) parts.push(input.tierCondition);
  return parts.length ? allOf(parts) : null;
}

function base(input: PlanInput) {
  return filteredNotices(input.db, input.filter, input.direction).where(afterCursor(input.direction, input.cursor));
}

function entries(rows: Array<{ id: string; k: string }>, tier: 0 | 1 | null): PageEntry[] {
  return rows.map((r) => ({ id: r.id, key: String(r.k), tier }));
}

function compareEntries(direction: Direction) {
  // keys are ISO dates or ±infinity; '-infinity' < any date < 'infinity'
  const rank = (k: string) => (k === '-infinity' ? '0000' : k === 'infinity' ? '9999-99' : k);
  const sign = direction === 'desc' ? -1 : 1;
  return (a: PageEntry, b: PageEntry) => {
    const ka = rank(a.key);
    const kb = rank(b.key);
    if (ka !== kb) return ka < kb ? -sign : sign;
    return a.id === b.id ? 0 : a.id < b.id ? -sign : sign;
  };
}

/** Walks the list order (the order index) with every condition, at most `readAtMost` rows read (steps 1 and 3). */
async function walkInOrder(input: PlanInput, readAtMost: number | null): Promise<PageEntry[]> {
  const key = orderKey(input.direction);
  const tier = input.tier;
  if (readAtMost === null) {
    const rows = await base(input)
      .select(['n.id', key.as('k')])
      .where(matchCondition(input))
      .orderBy(key, input.direction)
      .orderBy('n.id', input.direction)
      .limit(input.want)
      .execute();
    return entries(rows, tier);
  }
  // The window is a LIMIT subquery in list order that carries the searched columns under the
  // name `n`; the outer condition is checked as its rows stream out (no join, so the order is
  // kept and no sort is needed), and the walk stops at the page's last match. Large values
  // stay TOAST pointers until a condition reads them.
  const windowRows = base(input)
    .select(['n.id', key.as('k'), 'n.search_vector', 'n.title_zh', 'n.body_text', 'n.doc_number', 'n.title_ko', 'n.summary_ko'])
    .orderBy(key, input.direction)
    .orderBy('n.id', input.direction)
    .limit(readAtMost);
  const rows = await input.db
    .selectFrom(windowRows.as('n'))
    .select(['n.id', 'n.k'])
    .where(matchCondition(input))
    .orderBy('n.k', input.direction)
    .orderBy('n.id', input.direction)
    .limit(input.want)
    .execute();
  return entries(rows, tier);
}

/** Candidates from the index with every filter, at most `cap` of them, unordered (step 2). */
async function indexCandidates(input: PlanInput, index: RawBuilder<SqlBool>, cap: number): Promise<PageEntry[]> {
  const key = orderKey(input.direction);
  const rows = await base(input).select(['n.id', key.as('k')]).where(index).limit(cap).execute();
  return entries(rows, null);
}

/** Candidates from the index in list order, `cap` at a time after `after` (step 4). */
async function orderedCandidates(input: PlanInput, index: RawBuilder<SqlBool>, after: NoticeCursor | null, cap: number) {
  const key = orderKey(input.direction);
  // MATERIALIZED keeps the index first: the planner would otherwise walk the order index and
  // read every row's search vector, which is the slow plan for terms that are not recent.
  const rows = await input.db
    .with(
      (cte) => cte('c').materialized(),
      () =>
        filteredNotices(input.db, input.filter, input.direction)
          .where(afterCursor(input.direction, after))
          .where(index)
          .select(['n.id', key.as('k')]),
    )
    .selectFrom('c')
    .select(['c.id', 'c.k'])
    .orderBy('c.k', input.direction)
    .orderBy('c.id', input.direction)
    .limit(cap)
    .execute();
  return entries(rows, null);
}

/** Checks sorted candidates' text a chunk at a time until `want` of them match. */
async function recheckInOrder(input: PlanInput, sorted: PageEntry[], found: PageEntry[]): Promise<void> {
  const recheck = recheckCondition(input);
  for (let i = 0; i < sorted.length && found.length < input.want; i += input.tuning.chunk) {
    const chunk = sorted.slice(i, i + input.tuning.chunk);
    if (!recheck) {
      found.push(...chunk.slice(0, input.want - found.length));
      continue;
    }
    const ok = new Set(
      (
        await input.db
          .selectFrom(sql<{ id: string }>`(select unnest(${chunk.map((e) => e.id)}::text[]) as id)`.as('p'))
          .innerJoin('notices as n', 'n.id', 'p.id')
          .select('n.id')
          .where(recheck)
          .execute()
      ).map((r) => r.id),
    );
    for (const entry of chunk) if (ok.has(entry.id) && found.length < input.want) found.push(entry);
  }
}

/** The first `want` matching rows after the cursor, in list order (see the module comment). */
async function findInOrder(input: PlanInput): Promise<PageEntry[]> {
  const tier = input.tier;
  const index = input.query ? indexMatch(input.query.terms) : null;
  // No search, or nothing the index can find (single characters, exclusions only): walk the order.
  if (!index) return walkInOrder(input, null);

  // a term common enough to fill the page from the newest rows: done after a few dozen rows
  const first = await walkInOrder(input, input.tuning.firstWindow);
  if (first.length >= input.want) return first;

  // the first window is a sample: a few matches there mean the term is common, and the index
  // probe (a bitmap of every candidate) would only confirm it
  const cap = input.tuning.candidateCap;
  if (first.length < input.tuning.commonAfter) {
    const candidates = await indexCandidates(input, index, cap + 1);
    if (candidates.length <= cap) {
      const found: PageEntry[] = [];
      await recheckInOrder(input, candidates.sort(compareEntries(input.direction)), found);
      return found.map((e) => ({ ...e, tier }));
    }
  }

  const recent = await walkInOrder(input, input.tuning.window);
  if (recent.length >= input.want) return recent;

  const found: PageEntry[] = [];
  let after = input.cursor;
  const batchSize = input.tuning.orderedBatch;
  for (;;) {
    const batch = await orderedCandidates(input, index, after, batchSize);
    await recheckInOrder(input, batch, found);
    if (found.length >= input.want || batch.length < batchSize) break;
    const last = batch[batch.length - 1]!;
    after = { sort: input.cursor?.sort ?? 'published_desc', tier: null, key: last.key, id: last.id };
  }
  return found.map((e) => ({ ...e, tier }));
}

export interface PageRequest {
  filter: NoticeFilter;
  sort: NoticeSort;
  limit: number;
  cursor: NoticeCursor | null;
  tuning?: SearchTuning;
}

/**
 * The ids of one page in order, and the cursor of the next page (null on the last page).
 * Relevance order puts notices with every term in a title (tier 0) before the others (tier 1),
 * newest first within each tier.
 */
export async function findPage(db: Kysely<Database>, request: PageRequest): Promise<{ entries: PageEntry[]; next: NoticeCursor | null; query: ParsedQuery | null }> {
  const query = request.filter.q ? parseSearchQuery(request.filter.q) : null;
  if (isEmptyQuery(query)) return { entries: [], next: null, query };
  const sort = request.sort === 'relevance' && !query?.terms.length ? 'published_desc' : request.sort;
  const direction: Direction = sort === 'published_asc' ? 'asc' : 'desc';
  const input: PlanInput = {
    db,
    filter: request.filter,
    direction,
    cursor: request.cursor,
    want: request.limit + 1,
    query,
    tierCondition: null,
    tier: null,
    tuning: request.tuning ?? DEFAULT_TUNING,
  };

  let found: PageEntry[];
  if (sort !== 'relevance') {
    found = await findInOrder(input);
  } else {
    const titles = inTitles(query!.terms);
    found = [];
    if (!request.cursor || request.cursor.tier !== 1) {
      found = await findInOrder({ ...input, tierCondition: titles, tier: 0 });
    }
    if (found.length < input.want) {
      const rest = await findInOrder({
        ...input,
        want: input.want - found.length,
        cursor: request.cursor?.tier === 1 ? request.cursor : null,
        tierCondition: sql<SqlBool>`not ${titles}`,
        tier: 1,
      });
      found.push(...rest);
    }
  }
  const page = found.slice(0, request.limit);
  const last = page[page.length - 1];
  const next = found.length > request.limit && last ? { sort, tier: last.tier, key: last.key, id: last.id } : null;
  return { entries: page, next, query };
}

/** Where a term first occurs in the text, for a snippet around it. */
export function snippetTerm(query: ParsedQuery | null): SearchTerm | null {
  return query?.terms.find((t) => !t.singleChar) ?? query?.terms[0] ?? null;
}
