/**
 * Reading notices: filtered, searched, keyset-paginated lists and single notices with their issuers
 * and source URLs. All values reach SQL as bound parameters.
 * @module
 */
import { type Kysely, sql } from 'kysely';
import type { Attachment, Database } from '../db/schema.js';
import type { ParsedQuery } from '../domain/search-text.js';
import { afterCursor, type Direction, filteredNotices, type NoticeCursor, type NoticeFilter, type NoticeSort, orderKey } from './notice.filter.js';
import { findPage, snippetTerm, type SearchTuning } from './notice.search.js';
import { makeSnippet, type Snippet } from './snippet.js';

export type { NoticeCursor, NoticeFilter, NoticeSort } from './notice.filter.js';

export interface NoticeIssuerView {
  name_zh: string;
  name_ko: string | null;
}

export interface NoticeSectorView {
  code: string;
  score: number;
  method: 'topic' | 'issuer' | 'keyword' | 'llm' | 'manual';
}

export interface NoticeSummaryRow {
  id: string;
  source_id: string;
  url: string | null;
  archive_id: string | null;
  title_zh: string;
  title_ko: string | null;
  doc_number: string | null;
  doc_type: string | null;
  written_date: string | null;
  published_date: string | null;
  effective_date: string | null;
  sort_date: string | null;
  topic_zh: string | null;
  summary_ko: string | null;
  summary_status: 'pending' | 'machine' | 'reviewed';
  attachments: Attachment[];
  first_seen_at: Date;
  revision: number;
  korea_relevant: boolean;
  korea_reasons: string[];
  issuers: NoticeIssuerView[];
  sectors: NoticeSectorView[];
  /** Where the search terms occur (only when the list was searched). */
  snippet: Snippet | null;
}

const SUMMARY_COLUMNS = [
  'n.id',
  'n.source_id',
  'n.url',
  'n.archive_id',
  'n.title_zh',
  'n.title_ko',
  'n.doc_number',
  'n.doc_type',
  'n.written_date',
  'n.published_date',
  'n.effective_date',
  'n.sort_date',
  'n.topic_zh',
  'n.summary_ko',
  'n.summary_status',
  'n.attachments',
  'n.first_seen_at',
  'n.revision',
  'n.korea_relevant',
  'n.korea_reasons',
] as const;

export interface ListOptions {
  sort?: NoticeSort;
  tuning?: SearchTuning;
}

/**
 * One page of notices in list order (newest first by default: published date, else written date,
 * then id; undated notices last). With `q`, each row carries a snippet of where the terms occur.
 * @returns the rows and the cursor of the next page (null on the last page).
 */
export async function listNotices(
  db: Kysely<Database>,
  filter: NoticeFilter,
  limit: number,
  cursor: NoticeCursor | null,
  options: ListOptions = {},
): Promise<{ rows: NoticeSummaryRow[]; next: NoticeCursor | null }> {
  const sort = options.sort ?? 'published_desc';
  if (!filter.q) return listInOrder(db, filter, limit, cursor, sort === 'published_asc' ? 'asc' : 'desc');
  const { entries, next, query } = await findPage(db, {
    filter,
    sort,
    limit,
    cursor,
    ...(options.tuning ? { tuning: options.tuning } : {}),
  });
  const rows = await summariesInOrder(db, entries.map((e) => e.id), query);
  return { rows, next };
}

/** A page without a search: one query, one range of the order index. */
async function listInOrder(db: Kysely<Database>, filter: NoticeFilter, limit: number, cursor: NoticeCursor | null, direction: Direction) {
  const key = orderKey(direction);
  const rows = await filteredNotices(db, filter, direction)
    .where(afterCursor(direction, cursor))
    .select(SUMMARY_COLUMNS)
    .select(key.as('k'))
    .orderBy(key, direction)
    .orderBy('n.id', direction)
    .limit(limit + 1)
    .execute();
  const page = await withLinks(
    db,
    rows.slice(0, limit).map(({ k: _k, ...row }) => ({ ...row, snippet: null })),
  );
  const last = rows[limit - 1];
  const next: NoticeCursor | null =
    rows.length > limit && last ? { sort: direction === 'asc' ? 'published_asc' : 'published_desc', tier: null, key: String(last.k), id: last.id } : null;
  return { rows: page, next };
}

/** The summary rows of `ids`, in that order, with snippets for `query`. */
export async function summariesInOrder(db: Kysely<Database>, ids: string[], query: ParsedQuery | null): Promise<NoticeSummaryRow[]> {
  if (ids.length === 0) return [];
  const term = snippetTerm(query);
  const rows = await db
    .selectFrom(pageIds(ids))
    .innerJoin('notices as n', 'n.id', 'p.id')
    .select(SUMMARY_COLUMNS)
    .select(
      // only the text around the first occurrence leaves the database
      term && !term.singleChar
        ? sql<string | null>`case when strpos(lower(n.body_text), ${term.text}) > 0
            then substr(n.body_text, greatest(strpos(lower(n.body_text), ${term.text}) - 60, 1), 200) end`.as('excerpt')
        : sql<string | null>`null`.as('excerpt'),
    )
    .execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  return withLinks(
    db,
    ids.flatMap((id) => {
      const row = byId.get(id);
      if (!row) return [];
      const { excerpt, ...rest } = row;
      const snippet = query ? makeSnippet(query, [excerpt, rest.summary_ko, rest.title_zh, rest.title_ko]) : null;
      return [{ ...rest, snippet }];
    }),
  );
}

/**
 * The ids of a page as a table, one array parameter. Joined to a link table it is one index probe
 * per id; `notice_id in ($1 … $1000)` makes the planner scan the whole link table instead.
 */
function pageIds(ids: string[]) {
  return sql<{ id: string }>`(select unnest(${ids}::text[]) as id)`.as('p');
}

/**
 * Adds each row's issuers (document order) and sectors (strongest first), read for the whole page
 * in two queries: a per-row subquery would be planned and run once per row, which costs ten times
 * as much on a page of an export.
 */
async function withLinks<T extends { id: string }>(db: Kysely<Database>, rows: T[]): Promise<Array<T & Pick<NoticeSummaryRow, 'issuers' | 'sectors'>>> {
  if (rows.length === 0) return [];
  const page = pageIds(rows.map((r) => r.id));
  const [issuers, sectors] = await Promise.all([
    db
      .selectFrom(page)
      .innerJoin('notice_issuers as ni', 'ni.notice_id', 'p.id')
      .leftJoin('issuers as i', 'i.id', 'ni.issuer_id')
      .select((e) => ['ni.notice_id', e.fn.coalesce('i.name_zh', 'ni.name_written').as('name_zh'), 'i.name_ko'])
      .orderBy('ni.notice_id')
      .orderBy('ni.position')
      .execute(),
    db
      .selectFrom(page)
      .innerJoin('notice_sectors as s', 's.notice_id', 'p.id')
      .select(['s.notice_id', 's.code', 's.score', 's.method'])
      .orderBy('s.notice_id')
      .orderBy('s.score', 'desc')
      .orderBy('s.code')
      .execute(),
  ]);
  const issuersOf = new Map<string, NoticeIssuerView[]>();
  for (const { notice_id, ...issuer } of issuers) issuersOf.set(notice_id, [...(issuersOf.get(notice_id) ?? []), issuer]);
  const sectorsOf = new Map<string, NoticeSectorView[]>();
  for (const { notice_id, ...sector } of sectors) sectorsOf.set(notice_id, [...(sectorsOf.get(notice_id) ?? []), sector]);
  return rows.map((r) => ({ ...r, issuers: issuersOf.get(r.id) ?? [], sectors: sectorsOf.get(r.id) ?? [] }));
}

const DETAIL_COLUMNS = [
  'n.body_text',
  'n.body_html',
  'n.index_number',
  'n.origin',
  'n.validity',
  'n.last_seen_at',
  'n.key_points',
  'n.effective_period',
  'n.summary_provider',
  'n.summary_model',
  'n.summary_prompt_version',
  'n.summary_created_at',
  'n.summary_note',
  'n.reviewed_by',
  'n.reviewed_at',
] as const;

export interface NoticeDetailRow extends NoticeSummaryRow {
  body_text: string;
  body_html: string | null;
  urls: string[];
  index_number: string | null;
  origin: string | null;
  validity: string | null;
  last_seen_at: Date;
  key_points: string[];
  effective_period: string | null;
  summary_provider: string | null;
  summary_model: string | null;
  summary_prompt_version: string | null;
  summary_created_at: Date | null;
  summary_note: string | null;
  reviewed_by: string | null;
  reviewed_at: Date | null;
}

export async function findNoticeById(db: Kysely<Database>, id: string): Promise<NoticeDetailRow | undefined> {
  const row = await db
    .selectFrom('notices as n')
    .select([
      ...SUMMARY_COLUMNS,
      ...DETAIL_COLUMNS,
    ])
    .where('n.id', '=', id)
    .executeTakeFirst();
  if (!row) return undefined;
  const [linked] = await withLinks(db, [row]);
  const sources = await db.selectFrom('notice_sources').select('url').where('notice_id', '=', id).orderBy('first_seen_at').execute();
  return {
    ...linked!,
    snippet: null,
    // `archive:` locators are identifiers, not links
    urls: sources.map((s) => s.url).filter((u) => !u.startsWith('archive:')),
  };
}

/** Notice counts per sector code. */
export async function countBySector(db: Kysely<Database>): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('notice_sectors')
    .select((eb) => ['code', eb.fn.countAll<number>().as('n')])
    .groupBy('code')
    .execute();
  return new Map(rows.map((r) => [r.code, Number(r.n)]));
}

/** Every issuer with its notice count, and the names nobody resolved (issuer unknown to the registry). */
export async function listIssuersWithCounts(db: Kysely<Database>) {
  const known = await db
    .selectFrom('issuers as i')
    .leftJoin('notice_issuers as ni', 'ni.issuer_id', 'i.id')
    .select((eb) => ['i.id', 'i.name_zh', 'i.name_ko', 'i.name_en', 'i.kind', 'i.aliases', eb.fn.count<number>('ni.notice_id').as('notices')])
    .groupBy(['i.id', 'i.name_zh', 'i.name_ko', 'i.name_en', 'i.kind', 'i.aliases'])
    .orderBy('i.id')
    .execute();
  return known.map((r) => ({ ...r, notices: Number(r.notices) }));
}

export async function listUnknownIssuers(db: Kysely<Database>) {
  const rows = await db
    .selectFrom('notice_issuers')
    .select((eb) => ['name_written', eb.fn.countAll<number>().as('notices'), eb.fn.max('notice_id').as('example')])
    .where('issuer_id', 'is', null)
    .groupBy('name_written')
    .orderBy('notices', 'desc')
    .orderBy('name_written')
    .execute();
  return rows.map((r) => ({ name: r.name_written, notices: Number(r.notices), example: r.example }));
}

export interface SummaryEdit {
  titleKo?: string;
  summaryKo?: string;
  reviewer: string;
}

/** An analyst's correction: the summary becomes `reviewed` and machine runs leave it alone. */
export async function reviewSummary(db: Kysely<Database>, id: string, edit: SummaryEdit): Promise<boolean> {
  const result = await db
    .updateTable('notices')
    .set({
      ...(edit.titleKo !== undefined ? { title_ko: edit.titleKo } : {}),
      ...(edit.summaryKo !== undefined ? { summary_ko: edit.summaryKo } : {}),
      summary_status: 'reviewed',
      reviewed_by: edit.reviewer,
      reviewed_at: new Date(),
    })
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
