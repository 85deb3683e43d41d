/**
 * Counts of the notices a filter selects, overall and by sector, issuer, type, source or month.
 *
 * Without `q` the counts are exact. With `q`, counting a common term means checking the text of
 * every notice that has it (a second or more at a million notices), so at most `cap` matches are
 * gathered: when there are more, `total` is a lower bound and the facet counts describe those
 * `cap` matches; both are marked (`exact: false`, `basis`).
 * @module
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import { parseSearchQuery } from '../domain/search-text.js';
import { SECTORS } from '../domain/sector.js';
import { filteredNotices, type NoticeFilter } from './notice.filter.js';
import { queryCondition } from './notice.search.js';

export const FACETS = ['sector', 'issuer', 'doc_type', 'source', 'month'] as const;
export type FacetBy = (typeof FACETS)[number];

export interface FacetItem {
  /** Sector code, issuer's Chinese name, 公文种类, source id, or month `YYYY-MM`. */
  value: string;
  /** Korean name of the value, where it has one. */
  label_ko: string | null;
  count: number;
}

export interface FacetCounts {
  by: FacetBy;
  items: FacetItem[];
  /** Notices the filter selects (a lower bound when `exact` is false). */
  total: number;
  /** False when the matches were capped at `basis` (searches with many matches). */
  exact: boolean;
  /** How many matches the counts are based on when not exact; null when exact. */
  basis: number | null;
  /**
   * Selected notices with no type (`doc_type`) or no date (`month`); null for sectors, issuers and
   * sources, where a notice can count under several values.
   */
  missing: number | null;
}

/** Matches gathered at most, for searches (see the module comment). */
export const DEFAULT_COUNT_CAP = 1_000;

const isUnfiltered = (f: NoticeFilter) =>
  !f.q &&
  !f.sources.length &&
  !f.issuerIds.length &&
  !f.issuerNames.length &&
  !f.docTypes.length &&
  !f.sectors.length &&
  f.koreaRelevant === null &&
  !f.from &&
  !f.to &&
  !f.writtenFrom &&
  !f.writtenTo;

/** The selected notices, capped at `cap + 1` for searches. */
function selected(db: Kysely<Database>, filter: NoticeFilter, cap: number) {
  const query = filteredNotices(db, filter);
  return filter.q ? query.where(queryCondition(parseSearchQuery(filter.q))).limit(cap + 1) : query;
}

/** How many notices the filter selects; exact unless a search has more than `cap` matches. */
export async function countNotices(db: Kysely<Database>, filter: NoticeFilter, cap = DEFAULT_COUNT_CAP): Promise<{ total: number; exact: boolean }> {
  const row = await db
    .selectFrom(selected(db, filter, cap).select(sql.lit(1).as('one')).as('m'))
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const n = Number(row.n);
  return filter.q && n > cap ? { total: cap, exact: false } : { total: n, exact: true };
}

const SECTOR_NAMES = new Map<string, string>(SECTORS.map((s) => [s.code, s.nameKo]));

interface Bucket {
  value: string | null;
  label_ko: string | null;
  count: number;
}

/** Counts of a multi-valued facet (sector, issuer, source): one grouped scan of the link table. */
async function linkedCounts(db: Kysely<Database>, filter: NoticeFilter, by: 'sector' | 'issuer' | 'source', cap: number): Promise<Bucket[]> {
  // with no filter at all the link table alone answers (an index-only scan)
  const ids = isUnfiltered(filter) ? null : selected(db, filter, cap).select('n.id');
  if (by === 'sector') {
    let query = db.selectFrom('notice_sectors as s').select((eb) => ['s.code', eb.fn.countAll<number>().as('n')]).groupBy('s.code');
    if (ids) query = query.where('s.notice_id', 'in', ids);
    return (await query.execute()).map((r) => ({ value: r.code, label_ko: SECTOR_NAMES.get(r.code) ?? null, count: Number(r.n) }));
  }
  if (by === 'issuer') {
    let query = db
      .selectFrom('notice_issuers as ni')
      .select((eb) => ['ni.issuer_id', sql<string | null>`case when ni.issuer_id is null then ni.name_written end`.as('written'), eb.fn.countAll<number>().as('n')])
      .groupBy(['ni.issuer_id', sql`case when ni.issuer_id is null then ni.name_written end`]);
    if (ids) query = query.where('ni.notice_id', 'in', ids);
    const [rows, issuers] = await Promise.all([query.execute(), db.selectFrom('issuers').select(['id', 'name_zh', 'name_ko']).execute()]);
    const byId = new Map(issuers.map((i) => [i.id, i]));
    // names the registry lacks are counted as written; several spellings of one body are one issuer
    return rows.map((r) => {
      const issuer = r.issuer_id === null ? undefined : byId.get(r.issuer_id);
      return { value: issuer?.name_zh ?? r.written, label_ko: issuer?.name_ko ?? null, count: Number(r.n) };
    });
  }
  // a notice may be found at two URLs of one source: count notices, not URLs
  let query = db
    .selectFrom('notice_sources as ns')
    .select(['ns.source_id', sql<number>`count(distinct ns.notice_id)`.as('n')])
    .groupBy('ns.source_id');
  if (ids) query = query.where('ns.notice_id', 'in', ids);
  const [rows, sources] = await Promise.all([query.execute(), db.selectFrom('sources').select(['id', 'name_ko']).execute()]);
  const names = new Map(sources.map((s) => [s.id, s.name_ko]));
  return rows.map((r) => ({ value: r.source_id, label_ko: names.get(r.source_id) ?? null, count: Number(r.n) }));
}

/** Counts of a single-valued facet (type, month), the null bucket included: one grouped scan. */
async function ownCounts(db: Kysely<Database>, filter: NoticeFilter, by: 'doc_type' | 'month', cap: number): Promise<Bucket[]> {
  const value = by === 'doc_type' ? sql<string | null>`n.doc_type` : sql<string | null>`to_char(n.sort_date, 'YYYY-MM')`;
  const rows = await db
    .selectFrom(selected(db, filter, cap).select(value.as('v')).as('m'))
    .select((eb) => ['m.v', eb.fn.countAll<number>().as('n')])
    .groupBy('m.v')
    .execute();
  return rows.map((r) => ({ value: r.v, label_ko: null, count: Number(r.n) }));
}

/** Counts by one facet, largest first (months newest first), with the total. */
export async function facetCounts(db: Kysely<Database>, filter: NoticeFilter, by: FacetBy, cap = DEFAULT_COUNT_CAP): Promise<FacetCounts> {
  let buckets: Bucket[];
  let total: number;
  let exact: boolean;
  let missing: number | null = null;
  if (by === 'doc_type' || by === 'month') {
    buckets = await ownCounts(db, filter, by, cap);
    const all = buckets.reduce((sum, b) => sum + b.count, 0);
    exact = !(filter.q && all > cap);
    total = exact ? all : cap;
    missing = buckets.find((b) => b.value === null)?.count ?? 0;
  } else {
    const [rows, count] = await Promise.all([linkedCounts(db, filter, by, cap), countNotices(db, filter, cap)]);
    buckets = rows;
    ({ total, exact } = count);
  }
  const items: FacetItem[] = buckets.flatMap((b) => (b.value === null ? [] : [{ value: b.value, label_ko: b.label_ko, count: b.count }]));
  if (by === 'month') items.sort((a, b) => (a.value < b.value ? 1 : a.value > b.value ? -1 : 0));
  else items.sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  return { by, items, total, exact, basis: exact ? null : cap + 1, missing: exact ? missing : null };
}
