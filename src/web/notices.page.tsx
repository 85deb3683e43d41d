/**
 * `/` — the notice list: a filter bar (sector chips, issuers, document types, date range, search,
 * Korea relevance, order), the number of results, counts next to each choice, one row per notice
 * with its Korean and Chinese titles, issuers, dates, sectors, summary status and, when searched,
 * where the terms occur; keyset paging that keeps the filter. The query is checked with the API's
 * own schema (`listQuery`), so the page and `GET /api/notices` accept the same parameters.
 * @module
 */
import { Hono, type Context } from 'hono';
import type { FC } from 'hono/jsx';
import { ARCHIVE_SOURCE } from '../archive/archive-source.js';
import type { AppDeps } from '../api/app-deps.js';
import type { AppEnv } from '../api/app-env.js';
import { decodeCursor, encodeCursor } from '../api/notice.view.js';
import { listQuery, noticeFilterFromQuery } from '../api/notices.routes.js';
import type { ParameterError } from '../api/problem.js';
import { issuesToErrors } from '../api/validation.js';
import { SECTORS } from '../domain/sector.js';
import { sectorName } from '../enrichment/sector-classifier.js';
import { countNotices, type FacetCounts, facetCounts } from '../notices/notice.facets.js';
import { listNotices, type NoticeFilter, type NoticeSort, type NoticeSummaryRow } from '../notices/notice.repository.js';
import type { Snippet } from '../notices/snippet.js';
import { koreanErrors } from './form-errors.js';
import { koDate, Layout, sendPage, SUMMARY_BADGE } from './layout.js';
import type { KeyName } from './session.js';

/** Parameters that may be repeated (`?sector=a&sector=b`). */
const REPEATED = new Set(['source', 'issuer', 'doc_type', 'sector']);

const SORTS: { value: NoticeSort; label: string }[] = [
  { value: 'published_desc', label: '최신순' },
  { value: 'published_asc', label: '오래된 순' },
  { value: 'relevance', label: '관련도순 (검색 시)' },
];

/** Issuer and type choices shown with counts (the rest can be typed in). */
const FACET_CHOICES = 12;

/** What the form holds, as the user gave it (also when invalid). */
interface FormValues {
  sectors: string[];
  issuers: string[];
  docTypes: string[];
  from: string;
  to: string;
  q: string;
  koreaRelevant: boolean;
  sort: NoticeSort;
}

interface Facets {
  sector: FacetCounts;
  issuer: FacetCounts;
  doc_type: FacetCounts;
}

interface Results {
  rows: NoticeSummaryRow[];
  total: number;
  exact: boolean;
  facets: Facets;
  nextHref: string | null;
  firstHref: string | null;
}

interface PageProps {
  user: string | null;
  form: FormValues;
  errors: string[];
  results: Results | null;
}

/** Snippet text with its occurrences in `<mark>`; the text is escaped like any other. */
const SnippetView: FC<{ snippet: Snippet }> = ({ snippet }) => {
  const parts: unknown[] = [];
  let at = 0;
  for (const [start, end] of snippet.highlights) {
    if (start > at) parts.push(snippet.text.slice(at, start));
    parts.push(<mark>{snippet.text.slice(start, end)}</mark>);
    at = end;
  }
  if (at < snippet.text.length) parts.push(snippet.text.slice(at));
  return <p class="snippet">{parts}</p>;
};

const NoticeRow: FC<{ n: NoticeSummaryRow }> = ({ n }) => {
  const badge = SUMMARY_BADGE[n.summary_status];
  const issuers = n.issuers.map((i) => i.name_ko ?? i.name_zh).join(', ');
  return (
    <li class="notice" data-id={n.id} style="background:#fff;border:1px solid #dde;border-radius:6px;padding:10px 12px;margin-bottom:8px">
      <div>
        <a class="title-ko" href={`/notices/${encodeURIComponent(n.id)}`} style="font-weight:bold">
          {n.title_ko ?? n.title_zh}
        </a>{' '}
        <span class={badge.cls}>{badge.label}</span>
      </div>
      <div class="title-zh" lang="zh">
        {n.title_zh}
      </div>
      <div class="muted">
        {issuers || '발문기관 미상'}
        {n.doc_number ? <span lang="zh"> · {n.doc_number}</span> : null} · 발표 {koDate(n.published_date)} · 작성 {koDate(n.written_date)}
      </div>
      <div>
        {n.sectors.map((s) => (
          <span class="badge sector" data-sector={s.code}>
            {sectorName(s.code)}
          </span>
        ))}{' '}
        {n.korea_relevant ? <span class="badge">한국 관련</span> : null}
      </div>
      {n.snippet ? <SnippetView snippet={n.snippet} /> : null}
    </li>
  );
};

function countOf(facet: FacetCounts | undefined, value: string): number {
  return facet?.items.find((i) => i.value === value)?.count ?? 0;
}

/** Facet choices: the most frequent values, plus those selected even when they count nothing. */
function choices(facet: FacetCounts | undefined, selected: string[]): { value: string; label: string; count: number }[] {
  const top = (facet?.items ?? []).slice(0, FACET_CHOICES).map((i) => ({ value: i.value, label: i.label_ko ?? i.value, count: i.count }));
  for (const s of selected) if (!top.some((t) => t.value === s)) top.push({ value: s, label: s, count: countOf(facet, s) });
  return top;
}

const FilterForm: FC<{ form: FormValues; facets: Facets | null }> = ({ form, facets }) => {
  const issuerChoices = choices(facets?.issuer, form.issuers);
  const typeChoices = choices(facets?.doc_type, form.docTypes);
  const otherIssuers = form.issuers.filter((i) => !issuerChoices.some((c) => c.value === i));
  return (
    <form method="get" action="/" id="filters">
      <label style="flex:1 1 220px">
        검색어 (중국어·한국어)
        <br />
        <input type="search" name="q" value={form.q} maxlength={200} placeholder="医疗保障 / 의료보장" style="width:100%" />
      </label>
      <label>
        발표일 부터
        <br />
        <input type="date" name="from" value={form.from} />
      </label>
      <label>
        까지
        <br />
        <input type="date" name="to" value={form.to} />
      </label>
      <label>
        정렬
        <br />
        <select name="sort">
          {SORTS.map((s) => (
            <option value={s.value} selected={s.value === form.sort}>
              {s.label}
            </option>
          ))}
        </select>
      </label>
      <label>
        <input type="checkbox" name="korea_relevant" value="true" checked={form.koreaRelevant} /> 한국 관련만
      </label>
      <fieldset id="sector-chips">
        <legend>분야</legend>
        {SECTORS.map((s) => (
          <label class="chip">
            <input type="checkbox" name="sector" value={s.code} checked={form.sectors.includes(s.code)} /> {s.nameKo}{' '}
            {facets ? <span class="count">{countOf(facets.sector, s.code)}</span> : null}
          </label>
        ))}
      </fieldset>
      <fieldset id="issuer-chips">
        <legend>발문기관</legend>
        {issuerChoices.map((i) => (
          <label class="chip">
            <input type="checkbox" name="issuer" value={i.value} checked={form.issuers.includes(i.value)} /> {i.label}{' '}
            {facets ? <span class="count">{i.count}</span> : null}
          </label>
        ))}
        <label>
          다른 기관 (중국어 이름)
          <br />
          <input type="text" name="issuer" value={otherIssuers[0] ?? ''} maxlength={60} placeholder="国家医保局" />
        </label>
      </fieldset>
      <fieldset id="type-chips">
        <legend>문서 종류</legend>
        {typeChoices.map((t) => (
          <label class="chip" lang="zh">
            <input type="checkbox" name="doc_type" value={t.value} checked={form.docTypes.includes(t.value)} /> {t.value}{' '}
            {facets ? <span class="count">{t.count}</span> : null}
          </label>
        ))}
      </fieldset>
      <button type="submit">검색</button>
      <a href="/">조건 지우기</a>
    </form>
  );
};

const NoticesPage: FC<PageProps> = ({ user, form, errors, results }) => (
  <Layout title="공고 목록" active="notices" user={user}>
    <h1>중국 중앙정부 정책 공고</h1>
    {errors.length ? (
      <ul class="errors" role="alert" id="errors">
        {errors.map((e) => (
          <li>{e}</li>
        ))}
      </ul>
    ) : null}
    <FilterForm form={form} facets={results?.facets ?? null} />
    {results ? (
      <>
        <p id="result-count">
          <strong>{results.exact ? `총 ${results.total}건` : `${results.total}건 이상`}</strong>
          {form.q ? <span class="muted"> · 검색어 "{form.q}"</span> : null}
        </p>
        {results.rows.length ? (
          <ol id="notices" style="list-style:none;padding:0">
            {results.rows.map((n) => (
              <NoticeRow n={n} />
            ))}
          </ol>
        ) : (
          <p class="muted">조건에 맞는 공고가 없습니다.</p>
        )}
        <nav class="weeks" aria-label="페이지">
          {results.firstHref ? <a href={results.firstHref}>« 처음으로</a> : <span></span>}
          {results.nextHref ? (
            <a href={results.nextHref} rel="next" id="next-page">
              다음 페이지 ▶
            </a>
          ) : null}
        </nav>
      </>
    ) : null}
  </Layout>
);

/** The query as the form sent it: empty fields mean "not given"; repeatable parameters as lists. */
function readParams(url: URL): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key).filter((v) => v.trim() !== '');
    if (values.length === 0) continue;
    out[key] = REPEATED.has(key) || values.length > 1 ? values : values[0]!;
  }
  return out;
}

function formValues(params: Record<string, string | string[]>, sort: NoticeSort): FormValues {
  const all = (k: string) => {
    const v = params[k];
    return v === undefined ? [] : Array.isArray(v) ? v : [v];
  };
  const one = (k: string) => all(k)[0] ?? '';
  return {
    sectors: all('sector'),
    issuers: all('issuer'),
    docTypes: all('doc_type'),
    from: one('from'),
    to: one('to'),
    q: one('q'),
    koreaRelevant: one('korea_relevant') === 'true',
    sort,
  };
}

/** The page's own parameter: the order (the API's `sort`, checked the same way). */
function readSort(params: Record<string, string | string[]>, errors: ParameterError[]): NoticeSort {
  const value = params.sort;
  delete params.sort;
  if (value === undefined) return 'published_desc';
  const found = SORTS.find((s) => s.value === value)?.value;
  if (!found) {
    errors.push({ parameter: 'sort', detail: 'must be published_desc, published_asc or relevance' });
    return 'published_desc';
  }
  if (found === 'relevance' && params.q === undefined) return 'published_desc';
  return found;
}

/** `/?…` with the filter of this page and the given cursor. */
function pageHref(params: Record<string, string | string[]>, sort: NoticeSort, cursor: string | null): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (k === 'cursor') continue;
    for (const x of Array.isArray(v) ? v : [v]) q.append(k, x);
  }
  if (sort !== 'published_desc') q.set('sort', sort);
  if (cursor) q.set('cursor', cursor);
  const text = q.toString();
  return text ? `/?${text}` : '/';
}

/** Facet counts for one dimension count as if that dimension were not chosen (so other choices show what they would add). */
async function loadFacets(deps: Pick<AppDeps, 'db'>, filter: NoticeFilter): Promise<Facets> {
  const [sector, issuer, doc_type] = await Promise.all([
    facetCounts(deps.db, { ...filter, sectors: [] }, 'sector'),
    facetCounts(deps.db, { ...filter, issuerIds: [], issuerNames: [] }, 'issuer'),
    facetCounts(deps.db, { ...filter, docTypes: [] }, 'doc_type'),
  ]);
  return { sector, issuer, doc_type };
}

export function noticeListPages(deps: Pick<AppDeps, 'db' | 'sources' | 'directory'>, keyName: KeyName) {
  const app = new Hono<AppEnv>();
  const schema = listQuery([...deps.sources.map((s) => s.id), ARCHIVE_SOURCE.id]);

  app.get('/', async (c: Context) => {
    const user = await keyName(c);
    const params = readParams(new URL(c.req.url));
    const problems: ParameterError[] = [];
    const sort = readSort(params, problems);
    const form = formValues(params, sort);
    const parsed = schema.safeParse(params);
    if (!parsed.success) problems.push(...issuesToErrors(parsed.error.issues));
    const cursor = parsed.success && parsed.data.cursor ? decodeCursor(parsed.data.cursor) : null;
    if (parsed.success && parsed.data.cursor && (!cursor || cursor.sort !== sort)) problems.push({ parameter: 'cursor', detail: 'is not a cursor this API issued' });
    if (!parsed.success || problems.length) {
      return sendPage(c, <NoticesPage user={user} form={form} errors={koreanErrors(problems)} results={null} />, 400);
    }
    const query = parsed.data;
    const filter = noticeFilterFromQuery(query, deps.directory());
    const [{ rows, next }, count, facets] = await Promise.all([
      listNotices(deps.db, filter, query.limit, cursor, { sort }),
      countNotices(deps.db, filter),
      loadFacets(deps, filter),
    ]);
    const results: Results = {
      rows,
      total: count.total,
      exact: count.exact,
      facets,
      nextHref: next ? pageHref(params, sort, encodeCursor(next)) : null,
      firstHref: cursor ? pageHref(params, sort, null) : null,
    };
    return sendPage(c, <NoticesPage user={user} form={form} errors={[]} results={results} />);
  });

  return app;
}
