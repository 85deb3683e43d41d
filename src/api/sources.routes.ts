/**
 * `GET /api/sources` (health of each source) and `POST /api/sources/:id/scrape` (API key).
 * @module
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Kysely } from 'kysely';
import type { Source } from '../../scrapers/source.js';
import type { Database, ScrapeRunRow } from '../db/schema.js';
import { latestRuns } from '../scrape/scrape-run.repository.js';
import type { AppDeps } from './app-deps.js';
import type { AppEnv } from './app-env.js';
import { requireApiKey } from './auth.js';
import { ProblemException } from './problem.js';
import { problemResponse, SourceSchema } from './schemas.js';
import { validationHook } from './validation.js';

/**
 * Whether a source has gone quiet: it has run, but its newest notice was first seen longer ago than
 * its expected cadence (or the configured days). A source that never ran is not stale, just unknown.
 */
export function sourceHealth(
  source: Pick<Source, 'id' | 'cadenceDays'>,
  lastNoticeAt: Date | null,
  lastRun: ScrapeRunRow | null,
  staleDays: Map<string, number> | undefined,
  now: number,
) {
  const days = staleDays?.get(source.id) ?? staleDays?.get('*') ?? source.cadenceDays;
  const quietDays = lastNoticeAt ? Math.floor((now - lastNoticeAt.getTime()) / 86_400_000) : null;
  const stale = lastRun !== null && (quietDays === null || quietDays > days);
  return { stale, stale_after_days: days, days_since_last_notice: quietDays };
}

export function runToJson(run: ScrapeRunRow) {
  return {
    id: run.id,
    trigger: run.trigger,
    mode: run.mode,
    status: run.status,
    message: run.message,
    started_at: run.started_at.toISOString(),
    finished_at: run.finished_at ? new Date(run.finished_at).toISOString() : null,
    duration_ms: run.finished_at ? new Date(run.finished_at).getTime() - run.started_at.getTime() : null,
    last_http_status: run.last_http_status,
    counts: { seen: run.seen, new: run.new, updated: run.updated, unchanged: run.unchanged, failed: run.failed },
    errors: run.errors,
  };
}

/** Notices per source and when the newest was first seen. */
export async function noticeStats(db: Kysely<Database>) {
  const rows = await db
    .selectFrom('notice_sources')
    .select((eb) => ['source_id', eb.fn.countAll<number>().as('notices'), eb.fn.max('first_seen_at').as('last_notice_at')])
    .groupBy('source_id')
    .execute();
  return new Map(rows.map((r) => [r.source_id, r]));
}

/** Every source with its notice count, last run and health: what `GET /api/sources` and the `/sources` page show. */
export async function sourcesWithHealth(deps: Pick<AppDeps, 'db' | 'sources' | 'staleDays'>, now: number) {
  const [runs, stats] = await Promise.all([latestRuns(deps.db), noticeStats(deps.db)]);
  return deps.sources.map((s) => {
    const stat = stats.get(s.id);
    const run = runs.get(s.id);
    const health = sourceHealth(s, stat?.last_notice_at ? new Date(stat.last_notice_at) : null, run ?? null, deps.staleDays, now);
    return {
      ...health,
      id: s.id,
      name_zh: s.nameZh,
      name_ko: s.nameKo,
      name_en: s.nameEn,
      base_url: s.baseUrl,
      schedule: s.schedule,
      needs_browser: s.needsBrowser ?? false,
      notices: stat ? Number(stat.notices) : 0,
      last_notice_at: stat?.last_notice_at ? new Date(stat.last_notice_at).toISOString() : null,
      last_run: run ? runToJson(run) : null,
    };
  });
}

export function sourceRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  const list = createRoute({
    method: 'get',
    path: '/api/sources',
    tags: ['sources'],
    summary: 'Every source with its last run (time, status, counts, errors)',
    responses: { 200: { description: 'Sources', content: { 'application/json': { schema: z.object({ items: z.array(SourceSchema) }) } } } },
  });
  app.openapi(list, async (c) => c.json({ items: await sourcesWithHealth(deps, Date.now()) }, 200));

  const scrape = createRoute({
    method: 'post',
    path: '/api/sources/{id}/scrape',
    tags: ['sources'],
    summary: 'Start a scrape of one source now (answers at once; progress shows in GET /api/sources)',
    security: [{ bearerAuth: [] }],
    middleware: [requireApiKey(deps.authenticate)] as const,
    request: {
      params: z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' }, example: 'gov-cn' }) }),
      query: z.strictObject({ full: z.enum(['0', '1', 'true', 'false']).optional() }),
    },
    responses: {
      202: { description: 'Started', content: { 'application/json': { schema: z.object({ source: z.string(), status: z.literal('started') }) } } },
      400: problemResponse('A bad query parameter (`full` is 0, 1, true or false; no others)'),
      401: problemResponse('No valid API key'),
      404: problemResponse('Unknown source'),
      409: problemResponse('A run of this source is already going'),
      503: problemResponse('This instance does not run scrapes'),
    },
  });
  app.openapi(scrape, async (c) => {
    const { id } = c.req.valid('param');
    const { full } = c.req.valid('query');
    if (!deps.sources.some((s) => s.id === id)) throw new ProblemException(404, `no source "${id}"; valid: ${deps.sources.map((s) => s.id).join(', ')}`);
    if (!deps.scrapes) throw new ProblemException(503, 'this instance does not run scrapes');
    const started = deps.scrapes.start(id, { full: full === '1' || full === 'true' });
    if (!started) throw new ProblemException(409, `a run of ${id} is already going; see GET /api/sources`);
    return c.json({ source: id, status: 'started' as const }, 202);
  });

  return app;
}
