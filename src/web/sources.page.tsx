/**
 * `/sources` — the health of every source, from the same computation as `GET /api/sources`:
 * last run (status, HTTP status, counts, duration), its errors with URL and reason, the stale flag
 * and whether it needs a browser.
 * @module
 */
import { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import type { AppDeps } from '../api/app-deps.js';
import type { AppEnv } from '../api/app-env.js';
import { sourcesWithHealth } from '../api/sources.routes.js';
import { koDateTime, Layout, safeHref, sendPage } from './layout.js';
import type { KeyName } from './session.js';

type SourceHealth = Awaited<ReturnType<typeof sourcesWithHealth>>[number];

const STATUS_KO: Record<string, string> = {
  running: '수집 중',
  ok: '정상',
  partial: '일부 실패',
  failed: '실패',
  blocked: '차단됨',
  unreachable: '접속 불가',
  skipped: '건너뜀',
};

const STAGE_KO: Record<string, string> = { robots: 'robots.txt', list: '목록', fetch: '가져오기', parse: '파싱', store: '저장' };

/** How many problems of one run the page lists (the API has them all). */
const MAX_ERRORS = 20;

const SourceRows: FC<{ s: SourceHealth }> = ({ s }) => {
  const run = s.last_run;
  const bad = run && !['ok', 'running', 'skipped'].includes(run.status);
  return (
    <>
      <tr id={`source-${s.id}`}>
        <td>
          <strong>{s.name_ko}</strong>
          <br />
          <span lang="zh">{s.name_zh}</span>
          <br />
          <code>{s.id}</code>
        </td>
        <td>
          {run ? (
            <>
              <span class={bad ? 'badge bad' : 'badge'}>{STATUS_KO[run.status] ?? run.status}</span>
              <br />
              {koDateTime(run.started_at)}
              {run.duration_ms !== null ? ` · ${(Math.max(0, run.duration_ms) / 1000).toFixed(1)}초` : ''}
              {run.message ? (
                <>
                  <br />
                  <span class="muted">{run.message}</span>
                </>
              ) : null}
            </>
          ) : (
            <span class="muted">실행 기록 없음</span>
          )}
        </td>
        <td>{run?.last_http_status ?? '–'}</td>
        <td>
          {run
            ? `확인 ${run.counts.seen} · 신규 ${run.counts.new} · 갱신 ${run.counts.updated} · 변화 없음 ${run.counts.unchanged} · 실패 ${run.counts.failed}`
            : '–'}
        </td>
        <td>
          {s.notices}건
          <br />
          <span class="muted">최근 {koDateTime(s.last_notice_at)}</span>
        </td>
        <td>
          {s.stale ? (
            <span class="badge bad">오래됨 ({s.stale_after_days}일 초과)</span>
          ) : run ? (
            <span class="badge">정상</span>
          ) : (
            <span class="badge">미실행</span>
          )}
          {s.needs_browser ? (
            <>
              {' '}
              <span class="badge pending">브라우저 필요</span>
            </>
          ) : null}
          <br />
          <span class="muted">
            일정 <code>{s.schedule}</code>
          </span>
        </td>
      </tr>
      {run && run.errors.length ? (
        <tr class="errors-row">
          <td colspan={6}>
            <details open={bad ? true : undefined}>
              <summary>오류·경고 {run.errors.length}건</summary>
              <ul>
                {run.errors.slice(0, MAX_ERRORS).map((e) => (
                  <li>
                    <span class={e.kind === 'error' ? 'badge bad' : 'badge pending'}>{e.kind === 'error' ? '오류' : '경고'}</span> {STAGE_KO[e.stage] ?? e.stage}:{' '}
                    {safeHref(e.url) ? (
                      <a href={safeHref(e.url)!} rel="noopener noreferrer nofollow">
                        {e.url}
                      </a>
                    ) : (
                      <span>{e.url}</span>
                    )}{' '}
                    — {e.reason}
                  </li>
                ))}
              </ul>
              {run.errors.length > MAX_ERRORS ? <p class="muted">나머지 {run.errors.length - MAX_ERRORS}건은 GET /api/sources 에서 볼 수 있습니다.</p> : null}
            </details>
          </td>
        </tr>
      ) : null}
    </>
  );
};

const SourcesPage: FC<{ user: string | null; items: SourceHealth[] }> = ({ user, items }) => (
  <Layout title="수집원" active="sources" user={user}>
    <h1>수집원 상태</h1>
    <p class="muted">
      각 수집원의 마지막 실행 결과입니다. "오래됨"은 실행은 되었지만 정해진 기간보다 오래 새 문건이 없다는 뜻입니다.
    </p>
    <div class="table-wrap">
      <table id="sources" class="stack">
        <thead>
          <tr>
            <th>수집원</th>
            <th>마지막 실행</th>
            <th style="white-space:nowrap">HTTP</th>
            <th>건수</th>
            <th>문건</th>
            <th>상태</th>
          </tr>
        </thead>
        <tbody>
          {items.map((s) => (
            <SourceRows s={s} />
          ))}
        </tbody>
      </table>
    </div>
  </Layout>
);

export function sourcePages(deps: Pick<AppDeps, 'db' | 'sources' | 'staleDays'>, keyName: KeyName) {
  const app = new Hono<AppEnv>();
  app.get('/sources', async (c) => {
    const [items, user] = await Promise.all([sourcesWithHealth(deps, Date.now()), keyName(c)]);
    return sendPage(c, <SourcesPage user={user} items={items} />);
  });
  return app;
}
