/**
 * Feeds of any notice filter: `/feeds/notices.rss`, `.atom` and `.json` (JSON Feed 1.1) take the
 * query parameters of `GET /api/notices`. Item ids are notice ids (stable when a URL changes;
 * `urn:cpt:notice:<id>` in Atom and JSON Feed, the bare id as the RSS guid);
 * titles and summaries are Korean; categories are sectors.
 * @module
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { Feed } from 'feed';
import { listNotices } from '../notices/notice.repository.js';
import type { AppDeps } from './app-deps.js';
import type { AppEnv } from './app-env.js';
import { toNoticeJson } from './notice.view.js';
import { listQuery, noticeFilterFromQuery } from './notices.routes.js';
import { problemResponse } from './schemas.js';
import { validationHook } from './validation.js';
import { ARCHIVE_SOURCE } from '../archive/archive-source.js';

const FORMATS = {
  rss: { type: 'application/rss+xml; charset=utf-8', render: (f: Feed) => f.rss2() },
  atom: { type: 'application/atom+xml; charset=utf-8', render: (f: Feed) => f.atom1() },
  json: { type: 'application/feed+json; charset=utf-8', render: jsonFeed },
} as const;

/**
 * JSON Feed 1.1 (https://jsonfeed.org/version/1.1) from the same feed: the `feed` package writes
 * version 1, whose author and language fields differ.
 */
function jsonFeed(f: Feed): string {
  const { options, items } = f;
  return JSON.stringify(
    {
      version: 'https://jsonfeed.org/version/1.1',
      title: options.title,
      home_page_url: options.link,
      feed_url: options.feedLinks?.json,
      description: options.description,
      language: options.language,
      items: items.map((item) => ({
        id: item.id,
        url: item.link,
        title: item.title,
        content_text: item.description ?? item.title,
        date_published: (item.published ?? item.date).toISOString(),
        date_modified: item.date.toISOString(),
        tags: item.category?.map((c) => c.name).filter(Boolean),
      })),
    },
    null,
    2,
  );
}

export function feedRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const query = listQuery([...deps.sources.map((s) => s.id), ARCHIVE_SOURCE.id]);

  for (const format of ['rss', 'atom', 'json'] as const) {
    const route = createRoute({
      method: 'get',
      path: `/feeds/notices.${format}`,
      tags: ['feeds'],
      summary: `Notices as ${format === 'json' ? 'JSON Feed 1.1' : format.toUpperCase()}, for any filter of GET /api/notices`,
      request: { query },
      responses: {
        200: { description: 'The feed', content: { [FORMATS[format].type.split(';')[0]!]: { schema: z.string() } } },
        400: problemResponse('A parameter is invalid'),
      },
    });
    app.openapi(route, async (c) => {
      const q = c.req.valid('query');
      const { rows } = await listNotices(deps.db, noticeFilterFromQuery(q, deps.directory()), q.limit, null);
      const base = deps.publicUrl ?? new URL(c.req.url).origin;
      const self = `${base}${new URL(c.req.url).pathname}${new URL(c.req.url).search}`;
      const feed = new Feed({
        id: self,
        title: '중국 중앙정부 정책 알림 — China Policy Tracker',
        description: '중국 중앙정부 정책 문건 (한국어 제목·요약)',
        link: base,
        language: 'ko',
        updated: rows[0] ? new Date(rows[0].first_seen_at) : new Date(0),
        generator: 'China Policy Tracker',
        copyright: 'Notices: the issuing Chinese government bodies',
        feedLinks: { [format]: self },
      });
      for (const row of rows) {
        const n = toNoticeJson(row);
        const date = n.published_date ?? n.written_date;
        feed.addItem({
          // Atom ids must be IRIs; RSS guids are the bare notice id
          id: `urn:cpt:notice:${n.id}`,
          guid: n.id,
          title: n.title_ko ?? n.title_zh,
          link: n.url ?? `${base}/api/notices/${n.id}`,
          date: new Date(row.first_seen_at),
          ...(date ? { published: new Date(`${date}T00:00:00+08:00`) } : {}),
          description: [n.title_zh, n.summary_ko ?? ''].filter(Boolean).join('\n\n'),
          category: n.sectors.map((s) => ({ name: s.name_ko, term: s.code })),
        });
      }
      return c.body(FORMATS[format].render(feed), 200, { 'content-type': FORMATS[format].type }) as never;
    });
  }
  return app;
}
