/**
 * What a list of notices is narrowed by, as SQL conditions: the filters (source, issuer, type,
 * sector, dates, Korea relevance), the search terms of `q`, and the list order with its keyset.
 * Every value reaches SQL as a bound parameter.
 * @module
 */
import { type Kysely, type RawBuilder, sql, type SqlBool } from 'kysely';
import type { Database } from '../db/schema.js';
import { type SearchTerm, toTsQuery } from '../domain/search-text.js';

export interface NoticeFilter {
  sources: string[];
  /** Issuer ids (resolved from names/aliases) and names as written (for issuers the registry lacks). */
  issuerIds: number[];
  issuerNames: string[];
  docTypes: string[];
  /** Sector codes (any of them). */
  sectors: string[];
  /** true: only notices relevant to Korean companies; false: only the others. */
  koreaRelevant: boolean | null;
  /** Published date (written date when unknown), inclusive. */
  from: string | null;
  to: string | null;
  /** Written date (成文日期), inclusive. */
  writtenFrom?: string | null;
  writtenTo?: string | null;
  q: string | null;
}

/** The orders a list can have; `relevance` needs a query. */
export type NoticeSort = 'published_desc' | 'published_asc' | 'relevance';

/** Position after the last row of a page. */
export interface NoticeCursor {
  sort: NoticeSort;
  /** Relevance tier of the row (0: every term in a title; 1: in the text only); relevance order only. */
  tier: 0 | 1 | null;
  /** The row's order key: its sort date, or `-infinity`/`infinity` for an undated notice. */
  key: string;
  id: string;
}

export type Direction = 'desc' | 'asc';

/**
 * The order key of a row. Undated notices get `-infinity` (newest first) or `infinity` (oldest
 * first), so they come last either way and the key is never null; the expressions are the ones
 * the `notices_newest_idx` / `notices_oldest_idx` indexes hold.
 */
export function orderKey(direction: Direction): RawBuilder<string> {
  return direction === 'desc' ? sql<string>`coalesce(n.sort_date, '-infinity'::date)` : sql<string>`coalesce(n.sort_date, 'infinity'::date)`;
}

/**
 * The notices table narrowed by every filter except `q`. The date range is written on the order
 * key of `direction`, so that a list walks only the range of its order index; undated notices
 * (±infinity) fall outside any range.
 */
export function filteredNotices(db: Kysely<Database>, filter: NoticeFilter, direction: Direction = 'desc') {
  let query = db.selectFrom('notices as n');
  if (filter.sources.length) {
    const sources = filter.sources;
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom('notice_sources as ns')
          .select(sql.lit(1).as('one'))
          .whereRef('ns.notice_id', '=', 'n.id')
          .where('ns.source_id', 'in', sources),
      ),
    );
  }
  if (filter.issuerIds.length || filter.issuerNames.length) {
    const { issuerIds, issuerNames } = filter;
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom('notice_issuers as ni')
          .select(sql.lit(1).as('one'))
          .whereRef('ni.notice_id', '=', 'n.id')
          .where((w) =>
            w.or([
              ...(issuerIds.length ? [w('ni.issuer_id', 'in', issuerIds)] : []),
              ...(issuerNames.length ? [w('ni.name_written', 'in', issuerNames)] : []),
            ]),
          ),
      ),
    );
  }
  if (filter.docTypes.length) query = query.where('n.doc_type', 'in', filter.docTypes);
  if (filter.sectors.length) {
    const sectors = filter.sectors;
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom('notice_sectors as ns')
          .select(sql.lit(1).as('one'))
          .whereRef('ns.notice_id', '=', 'n.id')
          .where('ns.code', 'in', sectors),
      ),
    );
  }
  if (filter.koreaRelevant !== null) query = query.where('n.korea_relevant', '=', filter.koreaRelevant);
  if (filter.from || filter.to) {
    const key = orderKey(direction);
    if (filter.from) query = query.where(sql<SqlBool>`${key} >= ${filter.from}::date`);
    if (filter.to) query = query.where(sql<SqlBool>`${key} <= ${filter.to}::date`);
    query = query.where('n.sort_date', 'is not', null);
  }
  if (filter.writtenFrom) query = query.where('n.written_date', '>=', filter.writtenFrom);
  if (filter.writtenTo) query = query.where('n.written_date', '<=', filter.writtenTo);
  return query;
}

/** Rows after the cursor in the list order: one row comparison, which the order index answers. */
export function afterCursor(direction: Direction, cursor: NoticeCursor | null): RawBuilder<SqlBool> {
  if (!cursor) return sql<SqlBool>`true`;
  return direction === 'desc'
    ? sql<SqlBool>`(${orderKey('desc')}, n.id) < (${cursor.key}::date, ${cursor.id})`
    : sql<SqlBool>`(${orderKey('asc')}, n.id) > (${cursor.key}::date, ${cursor.id})`;
}

const SEARCHED = sql`lower(n.title_zh)`;

/** The term occurs in a searched field (title, text, 文号, Korean title or summary). */
export function containsTerm(term: SearchTerm): RawBuilder<SqlBool> {
  const t = term.text;
  // a single character is not in the index; titles are short enough to scan
  if (term.singleChar) return sql<SqlBool>`strpos(${SEARCHED}, ${t}) > 0`;
  return sql<SqlBool>`(strpos(${SEARCHED}, ${t}) > 0
    or strpos(lower(n.body_text), ${t}) > 0
    or strpos(lower(coalesce(n.doc_number, '')), ${t}) > 0
    or strpos(lower(coalesce(n.title_ko, '')), ${t}) > 0
    or strpos(lower(coalesce(n.summary_ko, '')), ${t}) > 0)`;
}

/** The index condition of one term (null for a single character, which the index lacks). */
export function indexMatch(terms: readonly SearchTerm[]): RawBuilder<SqlBool> | null {
  const tsquery = toTsQuery(terms);
  return tsquery ? sql<SqlBool>`n.search_vector @@ ${tsquery}::tsquery` : null;
}

/** A notice has the term: the index first (cheap), then the text where the index is not proof. */
export function hasTerm(term: SearchTerm): RawBuilder<SqlBool> {
  const index = indexMatch([term]);
  if (!index) return containsTerm(term);
  return term.needsRecheck ? sql<SqlBool>`(${index} and ${containsTerm(term)})` : index;
}

/** Every term appears in the Chinese or the Korean title: relevance tier 0. */
export function inTitles(terms: readonly SearchTerm[]): RawBuilder<SqlBool> {
  const parts = terms.map(
    (term) => sql<SqlBool>`(strpos(${SEARCHED}, ${term.text}) > 0 or strpos(lower(coalesce(n.title_ko, '')), ${term.text}) > 0)`,
  );
  return parts.length ? sql<SqlBool>`(${sql.join(parts, sql` and `)})` : sql<SqlBool>`true`;
}

export function allOf(parts: ReadonlyArray<RawBuilder<SqlBool>>): RawBuilder<SqlBool> {
  return parts.length ? sql<SqlBool>`(${sql.join(parts, sql` and `)})` : sql<SqlBool>`true`;
}
