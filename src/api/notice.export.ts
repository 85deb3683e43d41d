/**
 * Field selection (`fields=`) and whole-set exports of notice lists as CSV and NDJSON. Exports walk
 * the filtered set in keyset pages (PGlite has no streaming cursor) and write each page as it
 * comes, so memory stays flat however many notices there are.
 * @module
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { listNotices, type NoticeCursor, type NoticeFilter, type NoticeSort } from '../notices/notice.repository.js';
import { toNoticeJson } from './notice.view.js';

export type NoticeJson = ReturnType<typeof toNoticeJson>;

/** The fields a list item has, in the order CSV columns take by default. */
export const NOTICE_FIELDS = [
  'id',
  'source',
  'url',
  'archive_id',
  'title_zh',
  'title_ko',
  'doc_number',
  'doc_type',
  'issuers',
  'written_date',
  'published_date',
  'effective_date',
  'topic_zh',
  'sectors',
  'korea_relevant',
  'korea_reasons',
  'summary_ko',
  'summary_status',
  'attachments',
  'first_seen_at',
  'revision',
  'snippet',
  'snippet_html',
] as const satisfies ReadonlyArray<keyof NoticeJson>;

export type NoticeField = (typeof NOTICE_FIELDS)[number];

/** Columns of a CSV export when `fields` is not given: what an analyst reads in a spreadsheet. */
export const CSV_DEFAULT_FIELDS: NoticeField[] = [
  'id',
  'published_date',
  'written_date',
  'title_ko',
  'title_zh',
  'doc_number',
  'doc_type',
  'issuers',
  'sectors',
  'korea_relevant',
  'summary_status',
  'summary_ko',
  'url',
];

/** Only the chosen fields of an item (all when `fields` is null). */
export function pickFields(item: NoticeJson, fields: readonly NoticeField[] | null): Partial<NoticeJson> {
  if (!fields) return item;
  const out: Record<string, unknown> = {};
  for (const f of fields) out[f] = item[f];
  return out as Partial<NoticeJson>;
}

/** One CSV cell: lists joined with `; `, Korean names where the item has them. */
function cell(item: NoticeJson, field: NoticeField): string {
  switch (field) {
    case 'issuers':
      return item.issuers.map((i) => (i.name_ko ? `${i.name_ko} (${i.name_zh})` : i.name_zh)).join('; ');
    case 'sectors':
      return item.sectors.map((s) => s.name_ko).join('; ');
    case 'korea_reasons':
      return item.korea_reasons.join('; ');
    case 'attachments':
      return item.attachments.map((a) => `${a.name} <${a.url}>`).join('; ');
    default: {
      const value = item[field];
      return value === null || value === undefined ? '' : String(value);
    }
  }
}

/**
 * A cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR) gets a leading
 * apostrophe: scraped text must not become a formula in an analyst's Excel.
 */
export function neutraliseFormula(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/**
 * One CSV field (RFC 4180): quoted when it holds a quote, comma or any line break (a bare LF
 * included), quotes doubled. Written here rather than with a CSV library because it is the whole
 * of what an export needs and measured three times faster than csv-stringify with the same quoting
 * (docs/benchmarks.md), which is most of an export's time in JavaScript.
 */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

const csvRecord = (fields: string[]) => `${fields.map(csvField).join(',')}\r\n`;

export function csvHeader(fields: readonly NoticeField[]): string {
  // the BOM makes Excel read the file as UTF-8 (Korean and Chinese intact)
  return `\uFEFF${csvRecord([...fields])}`;
}

/** Records end in CRLF, as RFC 4180 and Excel expect. */
export function csvRows(items: NoticeJson[], fields: readonly NoticeField[]): string {
  let out = '';
  for (const item of items) out += csvRecord(fields.map((f) => neutraliseFormula(cell(item, f))));
  return out;
}

export function ndjsonRows(items: NoticeJson[], fields: readonly NoticeField[] | null): string {
  return items.map((item) => `${JSON.stringify(pickFields(item, fields))}\n`).join('');
}

/** Rows per page of an export: large enough to amortise a query, small enough to stay flat. */
export const EXPORT_BATCH = 1000;

/**
 * Every notice the filter selects, a page at a time, in the requested order. The query for the
 * next page is sent as soon as this page's rows are in, so the database reads it while this page
 * is converted and written (on PostgreSQL the two run on different cores).
 */
export async function* exportPages(
  db: Kysely<Database>,
  filter: NoticeFilter,
  sort: NoticeSort,
  batch = EXPORT_BATCH,
): AsyncGenerator<NoticeJson[]> {
  type Page = Awaited<ReturnType<typeof listNotices>>;
  const read = (cursor: NoticeCursor | null): Promise<Page> => listNotices(db, filter, batch, cursor, { sort });
  let pending: Promise<Page> | null = read(null);
  try {
    while (pending) {
      const page: Page = await pending;
      const { rows, next } = page;
      pending = next ? read(next) : null;
      if (rows.length) yield rows.map(toNoticeJson);
    }
  } finally {
    // a client that went away leaves at most one read in flight: let it finish quietly
    pending?.catch(() => undefined);
  }
}
