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
  issuers: NoticeIssuerView[];
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
  let query = filtered(db, filter).select(SUMMARY_COLUMNS).select((eb) => issuersColumn(eb as unknown as NoticeEb));
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

export interface NoticeDetailRow extends NoticeSummaryRow {
  body_text: string;
  body_html: string | null;
  urls: string[];
  index_number: string | null;
  origin: string | null;
  validity: string | null;
  last_seen_at: Date;
}

export async function findNoticeById(db: Kysely<Database>, id: string): Promise<NoticeDetailRow | undefined> {
  const row = await db
    .selectFrom('notices as n')
    .select([...SUMMARY_COLUMNS, 'n.body_text', 'n.body_html', 'n.index_number', 'n.origin', 'n.validity', 'n.last_seen_at'])
    .select((eb) => issuersColumn(eb as unknown as NoticeEb))
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
