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
import { refreshSearchVector } from '../enrichment/enricher.js';
import {
  countBySector,
  findNoticeById,
  listIssuersWithCounts,
  listNotices,
  type NoticeFilter,
  reviewSummary,
} from '../notices/notice.repository.js';
import { requireApiKey } from './auth.js';

export function listQuery(sourceIds: readonly string[]) {
  return z
    .strictObject({
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
      q: z.string().trim().min(1, 'must not be empty').max(200).optional().openapi({
        description: 'Full-text search in Chinese or Korean (two or more characters find every notice containing the string)',
        example: '医疗保障',
      }),
      limit: z
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
        .openapi({ type: 'integer', minimum: 1, maximum: 100, default: 20 }),
      cursor: z.string().max(500).optional().openapi({ description: 'Opaque cursor from `next_cursor`' }),
    })
    .refine((v) => !v.from || !v.to || v.from <= v.to, { message: 'must not be after `to`', path: ['from'] });
}

export type ListQuery = z.infer<ReturnType<typeof listQuery>>;

/** The store filter a validated list query asks for (issuers resolved through the registry). */
export function noticeFilterFromQuery(query: ListQuery, directory: IssuerDirectory): NoticeFilter {
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
    q: query.q ?? null,
  };
}

export function noticeRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  const list = createRoute({
    method: 'get',
    path: '/api/notices',
    tags: ['notices'],
    summary: 'List, filter and search notices, newest first',
    description:
      'Different parameters combine with AND; a repeated parameter means OR. Sorted by published date (written date when unknown) descending, then id.',
    request: { query: listQuery([...deps.sources.map((s) => s.id), ARCHIVE_SOURCE.id]) },
    responses: {
      200: { description: 'A page of notices', content: { 'application/json': { schema: NoticeListSchema } } },
      400: problemResponse('A parameter is invalid; `errors` names each one'),
    },
  });

  app.openapi(list, async (c) => {
    const query = c.req.valid('query');
    const cursor = query.cursor ? decodeCursor(query.cursor) : null;
    if (query.cursor && !cursor) throw badRequest([{ parameter: 'cursor', detail: 'is not a cursor this API issued' }]);
    const { rows, next } = await listNotices(deps.db, noticeFilterFromQuery(query, deps.directory()), query.limit, cursor);
    return c.json({ items: rows.map(toNoticeJson), next_cursor: next ? encodeCursor(next) : null }, 200);
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
    middleware: [requireApiKey(deps.apiKeys)] as const,
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
    const updated = await deps.db.transaction().execute(async (trx) => {
      const ok = await reviewSummary(trx, id, {
        ...(body.title_ko !== undefined ? { titleKo: body.title_ko } : {}),
        ...(body.summary_ko !== undefined ? { summaryKo: body.summary_ko } : {}),
        reviewer: c.get('apiKeyName'),
      });
      if (ok) await refreshSearchVector(trx, id);
      return ok;
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
