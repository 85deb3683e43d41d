/**
 * Reading notices: filtered, searched, keyset-paginated lists and single notices with their issuers
 * and source URLs. All values reach SQL as bound parameters.
 * @module
 */
import { type ExpressionBuilder, type Kysely, sql, type SqlBool } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import type { Attachment, Database } from '../db/schema.js';
import { parseSearchQuery, type SearchTerm, toTsQuery } from '../domain/search-text.js';

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
  from: string | null;
  to: string | null;
  q: string | null;
}

/** Position after the last row of a page: its sort date (null sorts last) and id. */
export interface NoticeCursor {
  sortDate: string | null;
  id: string;
}

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

type NoticeEb = ExpressionBuilder<Database & { n: Database['notices'] }, 'n'>;

/** A term must appear in one of the searched fields (the index alone has false positives). */
function containsTerm(eb: NoticeEb, term: SearchTerm) {
  const t = term.text;
  if (term.singleChar) return sql<SqlBool>`strpos(${eb.ref('n.title_zh')}, ${t}) > 0`;
  return sql<SqlBool>`(strpos(lower(${eb.ref('n.title_zh')}), ${t}) > 0
    or strpos(lower(${eb.ref('n.body_text')}), ${t}) > 0
    or strpos(lower(coalesce(${eb.ref('n.doc_number')}, '')), ${t}) > 0
    or strpos(lower(coalesce(${eb.ref('n.title_ko')}, '')), ${t}) > 0
    or strpos(lower(coalesce(${eb.ref('n.summary_ko')}, '')), ${t}) > 0)`;
}

function filtered(db: Kysely<Database>, filter: NoticeFilter) {
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
  if (filter.from) query = query.where('n.sort_date', '>=', filter.from);
  if (filter.to) query = query.where('n.sort_date', '<=', filter.to);
  if (filter.q) {
    const terms = parseSearchQuery(filter.q);
    const tsquery = toTsQuery(terms);
    if (terms.length === 0) {
      // Nothing searchable (only punctuation): no notice can match.
      query = query.where(sql<SqlBool>`false`);
    } else {
      if (tsquery) query = query.where(sql<SqlBool>`n.search_vector @@ ${tsquery}::tsquery`);
      for (const term of terms) query = query.where((eb) => containsTerm(eb as unknown as NoticeEb, term));
    }
  }
  return query;
}

/**
 * One page of notices, newest first (`coalesce(published_date, written_date)` desc, then id desc;
 * notices without any date last).
 * @returns the rows and the cursor of the next page (null on the last page).
 */
export async function listNotices(
  db: Kysely<Database>,
  filter: NoticeFilter,
  limit: number,
  cursor: NoticeCursor | null,
): Promise<{ rows: NoticeSummaryRow[]; next: NoticeCursor | null }> {
  let query = filtered(db, filter)
    .select(SUMMARY_COLUMNS)
    .select((eb) => [issuersColumn(eb as unknown as NoticeEb), sectorsColumn(eb as unknown as NoticeEb)]);
  if (cursor) {
    const { sortDate, id } = cursor;
    query = query.where((eb) =>
      sortDate === null
        ? eb.and([eb('n.sort_date', 'is', null), eb('n.id', '<', id)])
        : eb.or([
            eb('n.sort_date', '<', sortDate),
            eb.and([eb('n.sort_date', '=', sortDate), eb('n.id', '<', id)]),
            eb('n.sort_date', 'is', null),
          ]),
    );
  }
  const rows = await query
    .orderBy(sql`n.sort_date desc nulls last`)
    .orderBy('n.id', 'desc')
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const next = rows.length > limit && last ? { sortDate: last.sort_date, id: last.id } : null;
  return { rows: page, next };
}

/** A notice's sectors, strongest first. */
function sectorsColumn(eb: NoticeEb) {
  return jsonArrayFrom(
    eb
      .selectFrom('notice_sectors as s')
      .select(['s.code', 's.score', 's.method'])
      .whereRef('s.notice_id', '=', 'n.id')
      .orderBy('s.score', 'desc')
      .orderBy('s.code'),
  ).as('sectors');
}

/** A notice's issuers in document order, as a JSON array in the same row (one round trip per page). */
function issuersColumn(eb: NoticeEb) {
  return jsonArrayFrom(
    eb
      .selectFrom('notice_issuers as ni')
      .leftJoin('issuers as i', 'i.id', 'ni.issuer_id')
      .select((e) => [e.fn.coalesce('i.name_zh', 'ni.name_written').as('name_zh'), 'i.name_ko'])
      .whereRef('ni.notice_id', '=', 'n.id')
      .orderBy('ni.position'),
  ).as('issuers');
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
    .select((eb) => [issuersColumn(eb as unknown as NoticeEb), sectorsColumn(eb as unknown as NoticeEb)])
    .where('n.id', '=', id)
    .executeTakeFirst();
  if (!row) return undefined;
  const sources = await db.selectFrom('notice_sources').select('url').where('notice_id', '=', id).orderBy('first_seen_at').execute();
  return {
    ...row,
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
