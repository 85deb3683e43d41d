/**
 * Request and response schemas of the API, shared by validation and the OpenAPI document.
 * @module
 */
import { z } from '@hono/zod-openapi';
import { isIsoDay } from '../domain/dates.js';

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    errors: z.array(z.object({ parameter: z.string(), detail: z.string() })).optional(),
  })
  .openapi('Problem');

export const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ProblemSchema } },
});

/** A query parameter that may repeat (`?issuer=科技部&issuer=财政部`: either). */
export function repeated<T extends z.ZodType>(item: T, description: string) {
  return z
    .preprocess((v) => (v === undefined ? undefined : Array.isArray(v) ? v : [v]), z.array(item))
    .optional()
    .openapi({ type: 'array', items: { type: 'string' }, description, param: { style: 'form', explode: true } });
}

export const IsoDay = z
  .string()
  .refine(isIsoDay, { message: 'must be a real date written YYYY-MM-DD' })
  .openapi({ type: 'string', format: 'date', example: '2020-06-28' });

export const IssuerRefSchema = z.object({
  name_zh: z.string().openapi({ example: '国家发展改革委' }),
  name_ko: z.string().nullable().openapi({ example: '국가발전개혁위원회' }),
});

export const SectorRefSchema = z.object({
  code: z.string().openapi({ example: 'energy' }),
  name_ko: z.string().openapi({ example: '에너지·전력' }),
  score: z.number(),
  method: z.enum(['topic', 'issuer', 'keyword', 'llm', 'manual']),
});

export const AttachmentSchema = z.object({ name: z.string(), url: z.string().url() });

export const NoticeSchema = z
  .object({
    id: z.string().openapi({ example: 'n01jb2x7k3qv9dmp4wz' }),
    source: z.string().openapi({ example: 'gov-cn' }),
    url: z.string().nullable().openapi({ description: 'Canonical page URL; null for archive imports whose official URL is unknown' }),
    archive_id: z.string().nullable(),
    title_zh: z.string().openapi({ example: '国家发展改革委关于延长阶段性降低企业用电成本政策的通知' }),
    title_ko: z.string().nullable(),
    doc_number: z.string().nullable().openapi({ example: '发改价格〔2020〕994号' }),
    doc_type: z.string().nullable().openapi({ example: '通知' }),
    issuers: z.array(IssuerRefSchema),
    written_date: z.string().nullable().openapi({ format: 'date', example: '2020-06-24' }),
    published_date: z.string().nullable().openapi({ format: 'date', example: '2020-06-28' }),
    effective_date: z.string().nullable().openapi({ format: 'date' }),
    topic_zh: z.string().nullable().openapi({ example: '国土资源、能源\\电力' }),
    sectors: z.array(SectorRefSchema),
    korea_relevant: z.boolean().openapi({ description: 'Relevant to Korean companies (trade, investment, export control, data export, standards, Korea named)' }),
    korea_reasons: z.array(z.string()).openapi({ example: ['관세', '수출입'] }),
    summary_ko: z.string().nullable(),
    summary_status: z.enum(['pending', 'machine', 'reviewed']),
    attachments: z.array(AttachmentSchema),
    first_seen_at: z.string().openapi({ format: 'date-time' }),
    revision: z.number().int(),
    snippet: z.string().nullable().optional().openapi({
      description: 'With `q`: plain text around the first occurrence of the terms (Chinese text, else the Korean summary or a title); `…` where cut',
      example: '…到2025年，基本建立医疗保障基金监管制度体系和执法体系…',
    }),
    snippet_html: z.string().nullable().optional().openapi({
      description: 'With `q`: the snippet as HTML, text escaped and every occurrence in `<mark>`',
      example: '…到2025年，基本建立<mark>医疗保障</mark>基金监管制度体系和执法体系…',
    }),
  })
  .openapi('Notice');

export const NoticeDetailSchema = NoticeSchema.extend({
  body_text: z.string(),
  body_html: z.string().nullable().openapi({ description: 'Sanitised HTML of the body (allow-listed tags, absolute links)' }),
  urls: z.array(z.string()).openapi({ description: 'Every URL where this document was found' }),
  index_number: z.string().nullable().openapi({ description: '索引号' }),
  origin: z.string().nullable().openapi({ description: '来源 as the page states it' }),
  validity: z.string().nullable(),
  last_seen_at: z.string().openapi({ format: 'date-time' }),
  key_points: z.array(z.string()),
  effective_period: z.string().nullable().openapi({ description: 'When the measures apply, as a language model stated it' }),
  summary: z.object({
    provider: z.string().nullable().openapi({ example: 'offline' }),
    model: z.string().nullable(),
    prompt_version: z.string().nullable(),
    created_at: z.string().nullable(),
    note: z.string().nullable().openapi({ description: 'Why a requested provider was not used' }),
    reviewed_by: z.string().nullable().openapi({ description: 'Name of the API key that reviewed the summary' }),
    reviewed_at: z.string().nullable(),
  }),
}).openapi('NoticeDetail');

export const SectorCountSchema = z
  .object({ code: z.string().openapi({ example: 'health' }), name_ko: z.string().openapi({ example: '의료·보건' }), count: z.number().int() })
  .openapi('SectorCount');

export const IssuerCountSchema = z
  .object({
    name_zh: z.string().openapi({ example: '国家医保局' }),
    name_ko: z.string().nullable().openapi({ example: '국가의료보장국' }),
    name_en: z.string().nullable(),
    kind: z.string(),
    aliases: z.array(z.string()),
    count: z.number().int(),
  })
  .openapi('IssuerCount');

export const NoticeListSchema = z
  .object({
    items: z.array(NoticeSchema),
    next_cursor: z.string().nullable().openapi({ description: 'Pass as `cursor` for the next page; null on the last page' }),
  })
  .openapi('NoticeList');

export const RunProblemSchema = z.object({
  url: z.string(),
  stage: z.enum(['robots', 'list', 'fetch', 'parse', 'store']),
  kind: z.enum(['error', 'warning']),
  reason: z.string(),
});

export const ScrapeRunSchema = z
  .object({
    id: z.number().int(),
    trigger: z.string(),
    mode: z.string(),
    status: z.enum(['running', 'ok', 'partial', 'failed', 'blocked', 'unreachable', 'skipped']),
    message: z.string().nullable(),
    started_at: z.string(),
    finished_at: z.string().nullable(),
    duration_ms: z.number().int().nullable(),
    last_http_status: z.number().int().nullable(),
    counts: z.object({
      seen: z.number().int(),
      new: z.number().int(),
      updated: z.number().int(),
      unchanged: z.number().int(),
      failed: z.number().int(),
    }),
    errors: z.array(RunProblemSchema),
  })
  .openapi('ScrapeRun');

export const SourceSchema = z
  .object({
    id: z.string(),
    name_zh: z.string(),
    name_ko: z.string(),
    name_en: z.string(),
    base_url: z.string(),
    schedule: z.string(),
    notices: z.number().int().openapi({ description: 'Notices found at this source' }),
    last_notice_at: z.string().nullable(),
    stale: z.boolean().openapi({ description: 'It ran, but no new notice for longer than stale_after_days' }),
    stale_after_days: z.number().int(),
    days_since_last_notice: z.number().int().nullable(),
    needs_browser: z.boolean(),
    last_run: ScrapeRunSchema.nullable(),
  })
  .openapi('Source');

export const FacetSchema = z
  .object({
    by: z.enum(['sector', 'issuer', 'doc_type', 'source', 'month']),
    items: z.array(
      z.object({
        value: z.string().openapi({ description: 'Sector code, issuer (Chinese name), 公文种类, source id or month YYYY-MM', example: 'health' }),
        label_ko: z.string().nullable().openapi({ example: '의료·보건' }),
        count: z.number().int().openapi({ example: 12 }),
      }),
    ),
    total: z.number().int().openapi({ description: 'Notices the filters select; a lower bound when `exact` is false', example: 120 }),
    exact: z.boolean().openapi({
      description: 'False when a search had more matches than were gathered (`basis`): `total` is then a lower bound and the counts describe those matches',
    }),
    basis: z.number().int().nullable().openapi({ description: 'Matches the counts are based on when not exact' }),
    missing: z.number().int().nullable().openapi({
      description: 'Selected notices with no type (`doc_type`) or no date (`month`); null for sector, issuer and source, where a notice counts under each of its values',
    }),
  })
  .openapi('Facets');
