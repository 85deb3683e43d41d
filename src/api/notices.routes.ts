/**
 * `GET /api/notices` and `GET /api/notices/:id`.
 * @module
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { IssuerDirectory } from '../issuers/issuer.directory.js';
import type { AppDeps } from './app-deps.js';
import type { AppEnv } from './app-env.js';
import { badRequest, ProblemException } from './problem.js';
import {
  FacetSchema,
  IssuerCountSchema,
  IsoDay,
  NoticeDetailSchema,
  NoticeListSchema,
  problemResponse,
  repeated,
  SectorCountSchema,
} from './schemas.js';
import { validationHook } from './validation.js';
import { decodeCursor, encodeCursor, toNoticeDetailJson, toNoticeJson } from './notice.view.js';
import { ARCHIVE_SOURCE } from '../archive/archive-source.js';
import { isSectorCode, SECTOR_CODES, SECTORS } from '../domain/sector.js';
import { FACETS, facetCounts } from '../notices/notice.facets.js';
import {
  countBySector,
  findNoticeById,
  listIssuersWithCounts,
  listNotices,
  type NoticeFilter,
  type NoticeSort,
} from '../notices/notice.repository.js';
import { reviewNotice } from '../notices/notice.review.js';
import { CSV_DEFAULT_FIELDS, csvHeader, csvRows, exportPages, ndjsonRows, NOTICE_FIELDS, type NoticeField, pickFields } from './notice.export.js';
import { requireApiKey } from './auth.js';

/** The filters of a notice list, shared by the list, its facets, the feeds and the web pages. */
function filterShape(sourceIds: readonly string[]) {
  return {
    source: repeated(
      z.string().refine((v) => sourceIds.includes(v), { message: `unknown source; valid: ${sourceIds.join(', ')}` }),
      'Source id; repeat for any of several',
    ),
    issuer: repeated(z.string().trim().min(1).max(60), 'Issuer (Chinese name or alias, e.g. 国家发展改革委 or 发改委); repeat for any of several'),
    doc_type: repeated(z.string().trim().min(1).max(20), '公文种类 (通知, 意见, 公告 …); repeat for any of several'),
    sector: repeated(
      z.string().refine(isSectorCode, { message: `unknown sector; valid: ${SECTOR_CODES.join(', ')}` }),
      `Sector code; repeat for any of several: ${SECTOR_CODES.join(', ')}`,
    ),
    korea_relevant: z
      .enum(['true', 'false'], { message: 'must be true or false' })
      .optional()
      .openapi({ description: 'true: only notices relevant to Korean companies' }),
    from: IsoDay.optional().openapi({ description: 'Earliest date (published, else written), YYYY-MM-DD' }),
    to: IsoDay.optional().openapi({ description: 'Latest date (published, else written), YYYY-MM-DD' }),
    written_from: IsoDay.optional().openapi({ description: 'Earliest written date (成文日期), YYYY-MM-DD' }),
    written_to: IsoDay.optional().openapi({ description: 'Latest written date (成文日期), YYYY-MM-DD' }),
    q: z.string().trim().min(1, 'must not be empty').max(200).optional().openapi({
      description:
        'Search in Chinese or Korean. Words separated by spaces must all occur; `"…"` keeps a phrase together; `-word` excludes. ' +
        'Two or more characters find every notice containing the string (title, text, 文号, Korean title and summary); one character searches titles.',
      example: '医疗保障 -试点',
    }),
  };
}

const limitParam = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined) return 20;
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < 1 || n > 100) {
      ctx.addIssue({ code: 'custom', message: `must be an integer from 1 to 100, got "${v}"` });
      return z.NEVER;
    }
    return n;
  })
  .openapi({ type: 'integer', minimum: 1, maximum: 100, default: 20 });

const cursorParam = z.string().max(500).optional().openapi({ description: 'Opaque cursor from `next_cursor`' });

type DateRange = { from?: string | undefined; to?: string | undefined; written_from?: string | undefined; written_to?: string | undefined };
const datesInOrder = (v: DateRange) => !v.from || !v.to || v.from <= v.to;
const writtenInOrder = (v: DateRange) => !v.written_from || !v.written_to || v.written_from <= v.written_to;

/** Filters with paging (feeds and web pages). */
export function listQuery(sourceIds: readonly string[]) {
  return z
    .strictObject({ ...filterShape(sourceIds), limit: limitParam, cursor: cursorParam })
    .refine(datesInOrder, { message: 'must not be after `to`', path: ['from'] })
    .refine(writtenInOrder, { message: 'must not be after `written_to`', path: ['written_from'] });
}

export type ListQuery = z.infer<ReturnType<typeof listQuery>>;

const fieldsParam = z
  .string()
  .max(500)
  .optional()
  .transform((v, ctx) => {
    if (v === undefined) return null;
    const fields = v.split(',').map((f) => f.trim()).filter(Boolean);
    const unknown = fields.filter((f) => !(NOTICE_FIELDS as readonly string[]).includes(f));
    if (fields.length === 0 || unknown.length) {
      ctx.addIssue({ code: 'custom', message: `unknown field ${unknown.map((f) => `"${f}"`).join(', ') || '(none given)'}; valid: ${NOTICE_FIELDS.join(', ')}` });
      return z.NEVER;
    }
    return [...new Set(fields)] as NoticeField[];
  })
  .openapi({ type: 'string', description: `Comma-separated fields to return (JSON, NDJSON) or columns (CSV): ${NOTICE_FIELDS.join(', ')}`, example: 'id,title_ko,published_date' });

/** The list endpoint's query: filters, order, fields and format. */
export function noticeListQuery(sourceIds: readonly string[]) {
  return z
    .strictObject({
      ...filterShape(sourceIds),
      sort: z
        .enum(['published_desc', 'published_asc', 'relevance'], { message: 'must be published_desc, published_asc or relevance' })
        .default('published_desc')
        .openapi({
          description:
            '`published_desc` (default): newest first by published date, else written date; `published_asc`: oldest first; ' +
            '`relevance` (needs `q`): notices with every term in the Chinese or Korean title first, newest first within each group',
        }),
      fields: fieldsParam,
      format: z
        .enum(['json', 'csv', 'ndjson'], { message: 'must be json, csv or ndjson' })
        .default('json')
        .openapi({
          description:
            '`json`: one page. `csv` (UTF-8 with BOM, for Excel) and `ndjson`: every notice the filters select, streamed; `limit` and `cursor` do not apply',
        }),
      limit: limitParam,
      cursor: cursorParam,
    })
    .refine(datesInOrder, { message: 'must not be after `to`', path: ['from'] })
    .refine(writtenInOrder, { message: 'must not be after `written_to`', path: ['written_from'] })
    .refine((v) => v.sort !== 'relevance' || v.q !== undefined, { message: 'relevance order needs a search (`q`)', path: ['sort'] });
}

/** The facets endpoint's query: the filters and the facet. */
function facetQuery(sourceIds: readonly string[]) {
  return z
    .strictObject({
      ...filterShape(sourceIds),
      by: z.enum(FACETS, { message: `must be one of ${FACETS.join(', ')}` }).openapi({ description: 'What to count by' }),
    })
    .refine(datesInOrder, { message: 'must not be after `to`', path: ['from'] })
    .refine(writtenInOrder, { message: 'must not be after `written_to`', path: ['written_from'] });
}

type FilterParams = Omit<ListQuery, 'limit' | 'cursor'>;

/** The store filter a validated query asks for (issuers resolved through the registry). */
export function noticeFilterFromQuery(query: FilterParams, directory: IssuerDirectory): NoticeFilter {
  const issuerIds: number[] = [];
  const issuerNames: string[] = [];
  for (const name of query.issuer ?? []) {
    const found = directory.resolve(name);
    if (found) issuerIds.push(found.id);
    else issuerNames.push(name);
  }
  return {
    sources: query.source ?? [],
    issuerIds,
    issuerNames,
    docTypes: query.doc_type ?? [],
    sectors: query.sector ?? [],
    koreaRelevant: query.korea_relevant === undefined ? null : query.korea_relevant === 'true',
    from: query.from ?? null,
    to: query.to ?? null,
    writtenFrom: query.written_from ?? null,
    writtenTo: query.written_to ?? null,
    q: query.q ?? null,
  };
}

/** The whole filtered set as CSV or NDJSON, written page by page. */
function exportResponse(deps: AppDeps, filter: NoticeFilter, sort: NoticeSort, format: 'csv' | 'ndjson', fields: NoticeField[] | null): Response {
  const encoder = new TextEncoder();
  const columns = format === 'csv' ? (fields ?? CSV_DEFAULT_FIELDS) : fields;
  const pages = exportPages(deps.db, filter, sort);
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (format === 'csv') controller.enqueue(encoder.encode(csvHeader(columns!)));
    },
    // one page per pull: the next page is read only when the client has taken the last one
    async pull(controller) {
      try {
        const { value, done } = await pages.next();
        if (done) return controller.close();
        controller.enqueue(encoder.encode(format === 'csv' ? csvRows(value, columns!) : ndjsonRows(value, columns)));
      } catch (error) {
        // headers are sent; cutting the stream short tells the client the export is incomplete
        controller.error(error);
      }
    },
    async cancel() {
      await pages.return(undefined);
    },
  });
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '');
  return new Response(body, {
    status: 200,
    headers:
      format === 'csv'
        ? { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="notices-${day}.csv"` }
        : { 'content-type': 'application/x-ndjson; charset=utf-8' },
  });
}

export function noticeRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const sourceIds = [...deps.sources.map((s) => s.id), ARCHIVE_SOURCE.id];

  const list = createRoute({
    method: 'get',
    path: '/api/notices',
    tags: ['notices'],
    summary: 'List, filter and search notices; or export them all as CSV or NDJSON',
    description:
      'Different parameters combine with AND; a repeated parameter means OR. Newest first by default (published date, else written date, then id). ' +
      'With `q`, each item has a `snippet`. Counts per sector, issuer, type, source or month: `/api/notices/facets` with the same filters.',
    request: { query: noticeListQuery(sourceIds) },
    responses: {
      200: {
        description: 'A page of notices (JSON), or every selected notice (CSV, NDJSON)',
        content: {
          'application/json': { schema: NoticeListSchema },
          'text/csv': { schema: z.string().openapi({ description: 'UTF-8 with BOM; one row per notice; lists joined with `; `' }) },
          'application/x-ndjson': { schema: z.string().openapi({ description: 'One notice (JSON object) per line' }) },
        },
      },
      400: problemResponse('A parameter is invalid; `errors` names each one'),
    },
  });

  app.openapi(list, async (c) => {
    const query = c.req.valid('query');
    const filter = noticeFilterFromQuery(query, deps.directory());
    if (query.format !== 'json') return exportResponse(deps, filter, query.sort, query.format, query.fields) as never;
    const cursor = query.cursor ? decodeCursor(query.cursor) : null;
    if (query.cursor && !cursor) throw badRequest([{ parameter: 'cursor', detail: 'is not a cursor this API issued' }]);
    if (cursor && cursor.sort !== query.sort) {
      throw badRequest([{ parameter: 'cursor', detail: `was issued for sort=${cursor.sort}, not sort=${query.sort}` }]);
    }
    const { rows, next } = await listNotices(deps.db, filter, query.limit, cursor, { sort: query.sort });
    return c.json(
      { items: rows.map((r) => pickFields(toNoticeJson(r), query.fields)) as Array<ReturnType<typeof toNoticeJson>>, next_cursor: next ? encodeCursor(next) : null },
      200,
    );
  });

  const facets = createRoute({
    method: 'get',
    path: '/api/notices/facets',
    tags: ['notices'],
    summary: 'Counts of the selected notices by sector, issuer, type, source or month',
    description:
      'The same filters as `/api/notices`. Without `q` counts are exact. With `q`, at most 1,000 matches are gathered: when there are more, ' +
      '`exact` is false, `total` is a lower bound and the counts describe the gathered matches.',
    request: { query: facetQuery(sourceIds) },
    responses: {
      200: { description: 'Counts, largest first (months newest first)', content: { 'application/json': { schema: FacetSchema } } },
      400: problemResponse('A parameter is invalid; `errors` names each one'),
    },
  });

  app.openapi(facets, async (c) => {
    const { by, ...query } = c.req.valid('query');
    return c.json(await facetCounts(deps.db, noticeFilterFromQuery(query, deps.directory()), by), 200);
  });

  const one = createRoute({
    method: 'get',
    path: '/api/notices/{id}',
    tags: ['notices'],
    summary: 'One notice with its full text, sanitised HTML and every source URL',
    request: { params: z.object({ id: z.string().min(1).max(64).openapi({ param: { name: 'id', in: 'path' } }) }) },
    responses: {
      200: { description: 'The notice', content: { 'application/json': { schema: NoticeDetailSchema } } },
      404: problemResponse('No notice has this id'),
    },
  });

  app.openapi(one, async (c) => {
    const { id } = c.req.valid('param');
    const row = await findNoticeById(deps.db, id);
    if (!row) throw new ProblemException(404, `no notice with id "${id}"`);
    return c.json(toNoticeDetailJson(row), 200);
  });

  const review = createRoute({
    method: 'put',
    path: '/api/notices/{id}/summary',
    tags: ['notices'],
    summary: 'Correct the Korean title and/or summary; the notice becomes `reviewed` and machine runs leave it alone',
    security: [{ bearerAuth: [] }],
    middleware: [requireApiKey(deps.authenticate)] as const,
    request: {
      params: z.object({ id: z.string().min(1).max(64).openapi({ param: { name: 'id', in: 'path' } }) }),
      body: {
        required: true,
        content: {
          'application/json': {
            schema: z
              .strictObject({
                title_ko: z.string().trim().min(1, 'must not be empty').max(300).optional(),
                summary_ko: z.string().trim().min(1, 'must not be empty').max(8000).optional(),
              })
              .refine((b) => b.title_ko !== undefined || b.summary_ko !== undefined, { message: 'give title_ko, summary_ko or both' }),
          },
        },
      },
    },
    responses: {
      200: { description: 'The notice after the review', content: { 'application/json': { schema: NoticeDetailSchema } } },
      400: problemResponse('The body is invalid'),
      401: problemResponse('No valid API key'),
      404: problemResponse('No notice has this id'),
    },
  });
  app.openapi(review, async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const updated = await reviewNotice(deps.db, id, {
      ...(body.title_ko !== undefined ? { titleKo: body.title_ko } : {}),
      ...(body.summary_ko !== undefined ? { summaryKo: body.summary_ko } : {}),
      reviewer: c.get('apiKeyName'),
    });
    if (!updated) throw new ProblemException(404, `no notice with id "${id}"`);
    return c.json(toNoticeDetailJson((await findNoticeById(deps.db, id))!), 200);
  });

  const sectors = createRoute({
    method: 'get',
    path: '/api/sectors',
    tags: ['reference'],
    summary: 'The sector taxonomy with the number of notices in each',
    responses: { 200: { description: 'Sectors', content: { 'application/json': { schema: z.object({ items: z.array(SectorCountSchema) }) } } } },
  });
  app.openapi(sectors, async (c) => {
    const counts = await countBySector(deps.db);
    return c.json({ items: SECTORS.map((s) => ({ code: s.code, name_ko: s.nameKo, count: counts.get(s.code) ?? 0 })) }, 200);
  });

  const issuers = createRoute({
    method: 'get',
    path: '/api/issuers',
    tags: ['reference'],
    summary: 'Issuing bodies with their Chinese, Korean and English names and notice counts',
    responses: { 200: { description: 'Issuers', content: { 'application/json': { schema: z.object({ items: z.array(IssuerCountSchema) }) } } } },
  });
  app.openapi(issuers, async (c) => {
    const rows = await listIssuersWithCounts(deps.db);
    return c.json(
      {
        items: rows.map((r) => ({ name_zh: r.name_zh, name_ko: r.name_ko, name_en: r.name_en, kind: r.kind, aliases: r.aliases, count: r.notices })),
      },
      200,
    );
  });

  return app;
}
