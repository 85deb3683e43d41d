/**
 * `/digests` — a Korean page to pick a week (and sectors), read its digest and download it as
 * Markdown, HTML, PDF or JSON, with the feeds of the same filter. Server-rendered; no script runs.
 * @module
 */
import { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import { InvalidWeekError, isoWeekOf, weekRange } from '../digest/digest.js';
import { isSectorCode, SECTORS } from '../domain/sector.js';
import type { AppEnv } from '../api/app-env.js';
import { Layout, sendPage } from './layout.js';
import type { KeyName } from './session.js';

export { PAGE_CSP } from './layout.js';

const FORMATS = [
  { format: 'html', label: 'HTML (메일용)' },
  { format: 'pdf', label: 'PDF' },
  { format: 'md', label: 'Markdown' },
  { format: 'json', label: 'JSON' },
] as const;

const FEEDS = [
  { ext: 'rss', label: 'RSS', type: 'application/rss+xml' },
  { ext: 'atom', label: 'Atom', type: 'application/atom+xml' },
  { ext: 'json', label: 'JSON Feed', type: 'application/feed+json' },
] as const;

const BY = [
  { value: 'published', label: '발표일' },
  { value: 'written', label: '작성일' },
  { value: 'first_seen', label: '수집일' },
] as const;
type By = (typeof BY)[number]['value'];

/** The week after or before an ISO week. */
function shiftWeek(week: string, weeks: number): string {
  const { start } = weekRange(week);
  // noon Korea time of that Monday, moved by whole weeks
  return isoWeekOf(new Date(new Date(`${start}T12:00:00+09:00`).getTime() + weeks * 7 * 86_400_000));
}

interface PageProps {
  user: string | null;
  week: string;
  by: By;
  sectors: string[];
  koreaRelevant: boolean;
  error: string | null;
}

function query(p: PageProps, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams(extra);
  if (p.by !== 'published') q.set('by', p.by);
  for (const s of p.sectors) q.append('sector', s);
  if (p.koreaRelevant) q.set('korea_relevant', 'true');
  const text = q.toString();
  return text ? `?${text}` : '';
}

function feedQuery(p: PageProps): string {
  const q = new URLSearchParams();
  for (const s of p.sectors) q.append('sector', s);
  if (p.koreaRelevant) q.set('korea_relevant', 'true');
  const text = q.toString();
  return text ? `?${text}` : '';
}

const DigestsPage: FC<PageProps> = (p) => {
  const range = p.error ? null : weekRange(p.week);
  return (
    <Layout
      title={`주간 동향 ${p.week}`}
      active="digests"
      user={p.user}
      head={FEEDS.map((f) => (
        <link rel="alternate" type={f.type} title={`정책 알림 (${f.label})`} href={`/feeds/notices.${f.ext}${feedQuery(p)}`} />
      ))}
    >
      <form method="get" action="/digests">
        <label>
          주(ISO)
          <br />
          <input type="week" name="week" value={p.week} required />
        </label>
        <label>
          기준일
          <br />
          <select name="by">
            {BY.map((b) => (
              <option value={b.value} selected={b.value === p.by}>
                {b.label}
              </option>
            ))}
          </select>
        </label>
        <fieldset>
          <legend>분야 (선택하지 않으면 전체)</legend>
          {SECTORS.map((s) => (
            <label>
              <input type="checkbox" name="sector" value={s.code} checked={p.sectors.includes(s.code)} /> {s.nameKo}
            </label>
          ))}
        </fieldset>
        <label>
          <input type="checkbox" name="korea_relevant" value="true" checked={p.koreaRelevant} /> 한국 관련만
        </label>
        <button type="submit">보기</button>
      </form>
      {p.error ? (
        <p class="error" role="alert">
          {p.error}
        </p>
      ) : (
        <>
          <nav class="weeks">
            <a href={`/digests${query(p, { week: shiftWeek(p.week, -1) })}`}>◀ 지난주</a>
            <strong>
              {p.week} ({range!.start} ~ {range!.end})
            </strong>
            <a href={`/digests${query(p, { week: shiftWeek(p.week, 1) })}`}>다음 주 ▶</a>
          </nav>
          <h2>내려받기</h2>
          <ul class="links" id="downloads">
            {FORMATS.map((f) => (
              <li>
                <a href={`/api/digests/${p.week}${query(p, { format: f.format })}`} data-format={f.format}>
                  {f.label}
                </a>
              </li>
            ))}
          </ul>
          <h2>이 조건의 피드</h2>
          <ul class="links" id="feeds">
            {FEEDS.map((f) => (
              <li>
                <a href={`/feeds/notices.${f.ext}${feedQuery(p)}`} type={f.type}>
                  {f.label}
                </a>
              </li>
            ))}
          </ul>
          <h2>미리보기</h2>
          <iframe title="주간 동향 미리보기" src={`/api/digests/${p.week}${query(p, { format: 'html' })}`}></iframe>
        </>
      )}
    </Layout>
  );
};

/** Reads the page's query; a bad value becomes a message on the page, not a failure. */
function readQuery(url: URL, now: Date): Omit<PageProps, 'user'> {
  const errors: string[] = [];
  const week = url.searchParams.get('week')?.trim() || isoWeekOf(new Date(now.getTime() - 7 * 86_400_000));
  try {
    weekRange(week);
  } catch (error) {
    if (!(error instanceof InvalidWeekError)) throw error;
    errors.push(`주 형식이 올바르지 않습니다: ${error.message}`);
  }
  const byParam = url.searchParams.get('by') ?? 'published';
  const by = BY.find((b) => b.value === byParam)?.value;
  if (!by) errors.push(`기준일 "${byParam}"은(는) 알 수 없습니다 (published, written, first_seen)`);
  const sectors = url.searchParams.getAll('sector');
  const unknown = sectors.filter((s) => !isSectorCode(s));
  if (unknown.length) errors.push(`알 수 없는 분야: ${unknown.join(', ')}`);
  return {
    week,
    by: by ?? 'published',
    sectors: sectors.filter(isSectorCode),
    koreaRelevant: url.searchParams.get('korea_relevant') === 'true',
    error: errors.length ? errors.join(' · ') : null,
  };
}

/** @param keyName who is logged in (shown in the header); nobody when absent */
export function digestPages(keyName?: KeyName) {
  const app = new Hono<AppEnv>();
  app.get('/digests', async (c) => {
    const props = readQuery(new URL(c.req.url), new Date());
    const user = keyName ? await keyName(c) : null;
    return sendPage(c, <DigestsPage {...props} user={user} />, props.error ? 400 : 200);
  });
  return app;
}
