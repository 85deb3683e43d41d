/**
 * The JSON shape of notices in the API, and the opaque page cursor.
 * @module
 */
import { snippetHtml } from '../notices/snippet.js';
import { sectorName } from '../enrichment/sector-classifier.js';
import type { NoticeCursor, NoticeDetailRow, NoticeSort, NoticeSummaryRow } from '../notices/notice.repository.js';

export function toNoticeJson(row: NoticeSummaryRow) {
  const snippet = row.snippet ? { snippet: row.snippet.text, snippet_html: snippetHtml(row.snippet) } : {};
  return {
    id: row.id,
    source: row.source_id,
    url: row.url,
    archive_id: row.archive_id,
    title_zh: row.title_zh,
    title_ko: row.title_ko,
    doc_number: row.doc_number,
    doc_type: row.doc_type,
    issuers: row.issuers,
    written_date: row.written_date,
    published_date: row.published_date,
    effective_date: row.effective_date,
    topic_zh: row.topic_zh,
    sectors: row.sectors.map((s) => ({ code: s.code, name_ko: sectorName(s.code), score: Number(s.score), method: s.method })),
    korea_relevant: row.korea_relevant,
    korea_reasons: row.korea_reasons,
    summary_ko: row.summary_ko,
    summary_status: row.summary_status,
    attachments: row.attachments,
    first_seen_at: row.first_seen_at.toISOString(),
    revision: row.revision,
    ...(snippet as { snippet?: string; snippet_html?: string }),
  };
}

export function toNoticeDetailJson(row: NoticeDetailRow) {
  return {
    ...toNoticeJson(row),
    body_text: row.body_text,
    body_html: row.body_html,
    urls: row.urls,
    index_number: row.index_number,
    origin: row.origin,
    validity: row.validity,
    last_seen_at: row.last_seen_at.toISOString(),
    key_points: row.key_points,
    effective_period: row.effective_period,
    summary: {
      provider: row.summary_provider,
      model: row.summary_model,
      prompt_version: row.summary_prompt_version,
      created_at: row.summary_created_at ? new Date(row.summary_created_at).toISOString() : null,
      note: row.summary_note,
      reviewed_by: row.reviewed_by,
      reviewed_at: row.reviewed_at ? new Date(row.reviewed_at).toISOString() : null,
    },
  };
}

const SORT_CODES: Record<NoticeSort, string> = { published_desc: 'd', published_asc: 'a', relevance: 'r' };
const SORT_OF_CODE = new Map(Object.entries(SORT_CODES).map(([sort, code]) => [code, sort as NoticeSort]));

export function encodeCursor(cursor: NoticeCursor): string {
  const parts = [SORT_CODES[cursor.sort], cursor.key, cursor.id, ...(cursor.tier === null ? [] : [cursor.tier])];
  return Buffer.from(JSON.stringify(parts), 'utf8').toString('base64url');
}

/** @returns the cursor, or null when the string is not one this API issued. */
export function decodeCursor(value: string): NoticeCursor | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length < 3 || parsed.length > 4) return null;
    const [code, key, id, tier] = parsed as [unknown, unknown, unknown, unknown];
    const sort = typeof code === 'string' ? SORT_OF_CODE.get(code) : undefined;
    if (!sort) return null;
    if (typeof id !== 'string' || !/^[0-9a-z]{1,64}$/.test(id)) return null;
    if (typeof key !== 'string' || !/^(\d{4}-\d{2}-\d{2}|-?infinity)$/.test(key)) return null;
    if (tier !== undefined && tier !== 0 && tier !== 1) return null;
    if ((sort === 'relevance') !== (tier !== undefined)) return null;
    return { sort, key, id, tier: tier ?? null };
  } catch {
    return null;
  }
}
