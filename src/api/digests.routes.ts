/**
 * `GET /api/digests/{week}` — the weekly digest in Markdown, HTML, JSON or PDF.
 * @module
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { buildDigest, InvalidWeekError, weekRange } from '../digest/digest.js';
import { DIGEST_CONTENT_TYPES, DIGEST_FORMATS, renderDigest } from '../digest/render.js';
import { isSectorCode, SECTOR_CODES } from '../domain/sector.js';
import type { AppDeps } from './app-deps.js';
import type { AppEnv } from './app-env.js';
import { badRequest } from './problem.js';
import { problemResponse, repeated } from './schemas.js';
import { validationHook } from './validation.js';

export function digestRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  const route = createRoute({
    method: 'get',
    path: '/api/digests/{week}',
    tags: ['digests'],
    summary: 'The weekly digest of an ISO week (Korea time), grouped by sector',
    description:
      'Notices are placed in the week by their published date (the written date when it is unknown), or by `by=written|first_seen`. Each notice appears once, under its strongest sector.',
    request: {
      params: z.object({ week: z.string().openapi({ param: { name: 'week', in: 'path' }, example: '2020-W26' }) }),
      query: z.strictObject({
        format: z.enum(DIGEST_FORMATS).default('html'),
        by: z.enum(['published', 'written', 'first_seen']).default('published'),
        sector: repeated(
          z.string().refine((v: string): boolean => isSectorCode(v), { message: `unknown sector; valid: ${SECTOR_CODES.join(', ')}` }),
          'Only these sectors; repeat for several',
        ),
        issuer: repeated(z.string().trim().min(1).max(60), 'Only notices of these issuers (Chinese name or alias)'),
        korea_relevant: z.enum(['true', 'false']).optional(),
      }),
    },
    responses: {
      200: {
        description: 'The digest',
        content: {
          'text/markdown': { schema: z.string() },
          'text/html': { schema: z.string() },
          'application/json': { schema: z.object({}).passthrough() },
          'application/pdf': { schema: z.string().openapi({ format: 'binary' }) },
        },
      },
      400: problemResponse('The week or a parameter is invalid'),
    },
  });

  app.openapi(route, async (c) => {
    const { week } = c.req.valid('param');
    const query = c.req.valid('query');
    try {
      weekRange(week);
    } catch (error) {
      if (error instanceof InvalidWeekError) throw badRequest([{ parameter: 'week', detail: error.message }]);
      throw error;
    }
    const directory = deps.directory();
    const issuers = (query.issuer ?? []).map((name) => ({ name, found: directory.resolve(name) }));
    const unknown = issuers.filter((i) => !i.found);
    if (unknown.length) {
      throw badRequest(unknown.map((i) => ({ parameter: 'issuer', detail: `unknown issuer ${i.name}; GET /api/issuers lists the known ones` })));
    }
    const digest = await buildDigest(deps.db, {
      week,
      by: query.by,
      sectors: query.sector ?? [],
      issuerIds: issuers.map((i) => i.found!.id),
      koreaRelevantOnly: query.korea_relevant === 'true',
      sectorOrder: deps.sectorOrder ?? [],
    });
    const headers = {
      'content-type': DIGEST_CONTENT_TYPES[query.format],
      'content-disposition': `inline; filename="cpt-digest-${week}.${query.format}"`,
    };
    const output = await renderDigest(digest, query.format);
    return c.body(typeof output === 'string' ? output : (new Uint8Array(output).buffer as ArrayBuffer), 200, headers) as never;
  });
  return app;
}
