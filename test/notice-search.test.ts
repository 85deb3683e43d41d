/**
 * Lists, search, facets and exports against a reference computed in JavaScript from the same rows:
 * every page of every order, for common, rare, Korean, Latin, phrase, excluded, one-character and
 * absent terms, with the default search plan and with a tiny one that forces every step of it
 * (both newest-rows windows, capped index, ordered index) on a few hundred notices.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadVocabulary, prng, syntheticNotice } from '../bench/synthetic.js';
import { createApp } from '../src/api/app.js';
import { normalizeForSearch, parseSearchQuery } from '../src/domain/search-text.js';
import { facetCounts } from '../src/notices/notice.facets.js';
import type { NoticeFilter, NoticeSort } from '../src/notices/notice.filter.js';
import { listNotices } from '../src/notices/notice.repository.js';
import type { SearchTuning } from '../src/notices/notice.search.js';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from './support/databases.js';
import { testApp } from './support/app.js';
import { ingestScraped, scrapedFromArchive } from './support/notices.js';

const ARCHIVE = ['01', '02', '03', '04', '05', '07', '08', '11', '12', '13', '15', '18'];
const SYNTHETIC = 160;
// every step taken: a first window of 2 rows, the index probe unless both matched, tiny batches
const TINY: SearchTuning = { firstWindow: 2, commonAfter: 2, candidateCap: 4, window: 6, orderedBatch: 5, chunk: 3 };
// the probe skipped whenever the first window matched at all: the windows and ordered index alone
const NO_PROBE: SearchTuning = { ...TINY, commonAfter: 1 };

interface RefRow {
  id: string;
  sort_date: string | null;
  written_date: string | null;
  title_zh: string;
  body_text: string;
  doc_number: string | null;
  title_ko: string | null;
  summary_ko: string | null;
  doc_type: string | null;
  sectors: string[];
}

const NO_FILTER: NoticeFilter = {
  sources: [],
  issuerIds: [],
  issuerNames: [],
  docTypes: [],
  sectors: [],
  koreaRelevant: null,
  from: null,
  to: null,
  q: null,
};

/** What the store should return, computed the slow way. */
function reference(rows: RefRow[], q: string | null, sort: NoticeSort, filter: Partial<NoticeFilter> = {}): string[] {
  const parsed = q ? parseSearchQuery(q) : { terms: [], excluded: [] };
  const lower = (s: string | null) => (s ?? '').toLowerCase();
  const has = (r: RefRow, term: { text: string; singleChar: boolean }) =>
    term.singleChar
      ? lower(r.title_zh).includes(term.text)
      : [r.title_zh, r.body_text, r.doc_number, r.title_ko, r.summary_ko].some((f) => lower(f).includes(term.text));
  const inTitle = (r: RefRow) => parsed.terms.every((t) => lower(r.title_zh).includes(t.text) || lower(r.title_ko).includes(t.text));
  const matched = rows.filter(
    (r) =>
      parsed.terms.every((t) => has(r, t)) &&
      !parsed.excluded.some((t) => has(r, t)) &&
      (!filter.sectors?.length || r.sectors.some((s) => filter.sectors!.includes(s))) &&
      (!filter.writtenFrom || (r.written_date !== null && r.written_date >= filter.writtenFrom)) &&
      (!filter.from || (r.sort_date !== null && r.sort_date >= filter.from)),
  );
  const asc = sort === 'published_asc';
  const key = (r: RefRow) => r.sort_date ?? (asc ? '9999' : '0000');
  const byOrder = (a: RefRow, b: RefRow) => {
    const c = key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    return asc ? c : -c;
  };
  if (sort === 'relevance') {
    return [...matched.filter(inTitle).sort(byOrder), ...matched.filter((r) => !inTitle(r)).sort(byOrder)].map((r) => r.id);
  }
  return matched.sort(byOrder).map((r) => r.id);
}

describeEachDatabase('notice lists and search', (kind) => {
  let t: TestDatabase;
  let rows: RefRow[];
  let app: ReturnType<typeof createApp>;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    for (const id of ARCHIVE) await ingestScraped(t.db, scrapedFromArchive(id, `https://www.gov.cn/zhengce/content/archive-${id}.htm`));
    const vocab = loadVocabulary();
    const rand = prng(42);
    for (let i = 0; i < SYNTHETIC; i++) {
      const n = syntheticNotice(vocab, rand, i);
      // a few undated notices, and a formula-looking title for the CSV check
      if (i % 37 === 5) Object.assign(n, { writtenDate: null, publishedDate: null });
      if (i === 3) n.titleZh = `=HYPERLINK("x")${n.titleZh}`;
      await ingestScraped(t.db, n);
    }
    // every bigram of 医疗保障 (医疗, 疗保, 保障) but not the string: only the text check can tell
    await ingestScraped(
      t.db,
      scrapedFromArchive('01', 'https://www.gov.cn/zhengce/content/bigrams-only.htm', {
        titleZh: '国家医保局关于保障医疗疗保信息工作的通知',
        docNumber: '医保发〔2021〕99号',
        bodyText: '为保障医疗疗保信息安全，现就有关事项通知如下。',
        bodyHtml: '<p>为保障医疗疗保信息安全，现就有关事项通知如下。</p>',
      }),
    );
    const raw = await t.db
      .selectFrom('notices as n')
      .select(['n.id', 'n.sort_date', 'n.written_date', 'n.title_zh', 'n.body_text', 'n.doc_number', 'n.title_ko', 'n.summary_ko', 'n.doc_type'])
      .execute();
    const sectors = await t.db.selectFrom('notice_sectors').select(['notice_id', 'code']).execute();
    rows = raw.map((r) => ({ ...r, sectors: sectors.filter((s) => s.notice_id === r.id).map((s) => s.code) }));
    app = await testApp(t.db);
  }, 240_000);
  afterAll(async () => {
    await t?.close();
  });

  /** Every page, concatenated. */
  async function walk(filter: NoticeFilter, sort: NoticeSort, tuning?: SearchTuning, limit = 7): Promise<string[]> {
    const ids: string[] = [];
    let cursor = null;
    for (let page = 0; page < 200; page++) {
      const result = await listNotices(t.db, filter, limit, cursor, { sort, ...(tuning ? { tuning } : {}) });
      ids.push(...result.rows.map((r) => r.id));
      expect(result.rows.length).toBeLessThanOrEqual(limit);
      if (!result.next) return ids;
      cursor = result.next;
    }
    throw new Error('more than 200 pages');
  }

  /** Terms taken from the data: one in many notices, one in few, a Korean one, and so on. */
  function termsFromData() {
    const freq = (term: string) => rows.filter((r) => normalizeForSearch(r.body_text + r.title_zh).includes(term)).length;
    const bigrams = new Map<string, number>();
    for (const r of rows) for (const g of new Set(Array.from(r.title_zh).slice(0, -1).map((c, i) => c + Array.from(r.title_zh)[i + 1]))) bigrams.set(g, (bigrams.get(g) ?? 0) + 1);
    const cjk = [...bigrams.entries()].filter(([g]) => /^\p{Script=Han}{2}$/u.test(g)).sort((a, b) => b[1] - a[1]);
    const common = cjk[0]![0];
    const rare = cjk.find(([g, n]) => n >= 2 && n <= 4)![0];
    const archiveTitle = rows.find((r) => r.title_zh.includes('医疗保障'))!;
    expect(freq('医疗保障')).toBeGreaterThan(0);
    // the decoy has every bigram of the term without the term
    expect(rows.some((r) => r.title_zh.includes('保障医疗疗保'))).toBe(true);
    const korean = rows.find((r) => r.title_ko?.includes('의료'))?.title_ko ? '의료' : '과학기술';
    return { common, rare, archiveTitle, korean };
  }

  it('pages through every order, with every search class, exactly like the reference', async () => {
    const { common, rare, korean } = termsFromData();
    const queries = [
      null,
      common,
      rare,
      '医疗保障',
      korean,
      '发展 改革',
      `${common} -${rare}`,
      '"医疗保障基金"',
      '-国务院',
      '医',
      'drg',
      '量子引力从未出现',
    ];
    for (const q of queries) {
      for (const sort of ['published_desc', 'published_asc', 'relevance'] as NoticeSort[]) {
        if (sort === 'relevance' && !q) continue;
        const expected = reference(rows, q, sort);
        for (const [name, tuning] of [['default', undefined], ['tiny', TINY], ['no probe', NO_PROBE]] as const) {
          const got = await walk({ ...NO_FILTER, q }, sort, tuning);
          expect(got, `q=${q} sort=${sort} tuning=${name}`).toEqual(expected);
        }
      }
    }
  }, 240_000);

  it('combines a search with sector and date filters', async () => {
    const filter: NoticeFilter = { ...NO_FILTER, q: '发展', sectors: ['health', 'finance'], writtenFrom: '2019-01-01', from: '2018-06-01' };
    const expected = reference(rows, '发展', 'published_desc', filter);
    expect(expected.length).toBeGreaterThan(0);
    expect(await walk(filter, 'published_desc', TINY, 5)).toEqual(expected);
    expect(await walk(filter, 'published_desc', undefined, 5)).toEqual(expected);
  }, 60_000);

  it('marks where the terms occur', async () => {
    const { rows: found } = await listNotices(t.db, { ...NO_FILTER, q: '医疗保障' }, 5, null);
    expect(found.length).toBeGreaterThan(0);
    for (const row of found) {
      expect(row.snippet, row.id).not.toBeNull();
      const [start, end] = row.snippet!.highlights[0]!;
      expect(row.snippet!.text.slice(start, end)).toBe('医疗保障');
    }
    const res = await app.request(`/api/notices?q=${encodeURIComponent('医疗保障')}&limit=1`);
    const body = (await res.json()) as any;
    expect(body.items[0].snippet_html).toContain('<mark>医疗保障</mark>');
    expect(body.items[0].snippet_html).not.toMatch(/<(?!\/?mark>)/);
  });

  it('counts by every facet, exactly without a search and marked when a search is capped', async () => {
    const all = await facetCounts(t.db, NO_FILTER, 'sector');
    expect(all.total).toBe(rows.length);
    expect(all.exact).toBe(true);
    for (const item of all.items) expect(item.count, item.value).toBe(rows.filter((r) => r.sectors.includes(item.value)).length);
    expect(all.missing).toBeNull();
    const filtered = await facetCounts(t.db, { ...NO_FILTER, writtenFrom: '2020-01-01' }, 'sector');
    const inRange = rows.filter((r) => r.written_date !== null && r.written_date >= '2020-01-01');
    expect(filtered.total).toBe(inRange.length);
    for (const item of filtered.items) expect(item.count, item.value).toBe(inRange.filter((r) => r.sectors.includes(item.value)).length);
    const health = all.items.find((i) => i.value === 'health')!;
    expect(health.label_ko).toBe('의료·보건');

    const months = await facetCounts(t.db, NO_FILTER, 'month');
    expect(months.items.reduce((s, i) => s + i.count, 0) + (months.missing ?? -1)).toBe(rows.length);
    expect(months.missing).toBe(rows.filter((r) => r.sort_date === null).length);
    expect(months.items.map((i) => i.value)).toEqual([...months.items.map((i) => i.value)].sort().reverse());

    const types = await facetCounts(t.db, { ...NO_FILTER, q: '医疗保障' }, 'doc_type');
    expect(types.total).toBe(reference(rows, '医疗保障', 'published_desc').length);
    expect(types.exact).toBe(true);

    const capped = await facetCounts(t.db, { ...NO_FILTER, q: '发展' }, 'issuer', 5);
    expect(capped).toMatchObject({ exact: false, total: 5, basis: 6, missing: null });
    expect(capped.items.reduce((s, i) => s + i.count, 0)).toBeGreaterThanOrEqual(6);
    const cappedTypes = await facetCounts(t.db, { ...NO_FILTER, q: '发展' }, 'doc_type', 5);
    expect(cappedTypes).toMatchObject({ exact: false, total: 5, basis: 6 });
    const types2 = await facetCounts(t.db, NO_FILTER, 'doc_type');
    expect(types2.missing).toBe(rows.filter((r) => r.doc_type === null).length);
    for (const item of types2.items) expect(item.count).toBe(rows.filter((r) => r.doc_type === item.value).length);

    for (const by of ['issuer', 'source']) {
      const res = await app.request(`/api/notices/facets?by=${by}&sector=health`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as any;
      expect(body.total).toBe(reference(rows, null, 'published_desc', { sectors: ['health'] }).length);
      expect(body.items.length).toBeGreaterThan(0);
    }
    const bad = await app.request('/api/notices/facets?by=colour');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).errors[0].parameter).toBe('by');
  });

  it('exports the whole filtered set as CSV (BOM, Excel-safe) and NDJSON, with chosen fields', async () => {
    const csv = await app.request('/api/notices?format=csv');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="notices-\d{8}\.csv"$/);
    const bytes = new Uint8Array(await csv.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder().decode(bytes.slice(3));
    const { parse } = await import('csv-parse/sync');
    const records = parse(text, { columns: true }) as Array<Record<string, string>>;
    expect(records.map((r) => r.id)).toEqual(reference(rows, null, 'published_desc'));
    expect(Object.keys(records[0]!)).toEqual(['id', 'published_date', 'written_date', 'title_ko', 'title_zh', 'doc_number', 'doc_type', 'issuers', 'sectors', 'korea_relevant', 'summary_status', 'summary_ko', 'url']);
    // records end in CRLF; a line break inside a field (multi-line summaries) is always quoted
    expect(records.some((r) => r.summary_ko!.includes('\n'))).toBe(true);
    expect(text.replace(/"(?:[^"]|"")*"/g, '').replace(/\r\n/g, '')).not.toContain('\n');
    const formula = records.find((r) => r.title_zh!.includes('HYPERLINK'))!;
    expect(formula.title_zh!.startsWith("'=")).toBe(true);
    expect(records.some((r) => /[가-힣]/.test(r.title_ko!))).toBe(true);

    const nd = await app.request(`/api/notices?format=ndjson&fields=id,title_ko&q=${encodeURIComponent('医疗保障')}`);
    expect(nd.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    const lines = (await nd.text()).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.id)).toEqual(reference(rows, '医疗保障', 'published_desc'));
    expect(Object.keys(lines[0])).toEqual(['id', 'title_ko']);

    const picked = (await (await app.request('/api/notices?fields=id,published_date&limit=2')).json()) as any;
    expect(picked.items.map((i: object) => Object.keys(i))).toEqual([['id', 'published_date'], ['id', 'published_date']]);
  });

  it('names each bad parameter', async () => {
    const cases: Array<[string, string]> = [
      ['/api/notices?fields=id,colour', 'fields'],
      ['/api/notices?sort=relevance', 'sort'],
      ['/api/notices?sort=random', 'sort'],
      ['/api/notices?format=xml', 'format'],
      ['/api/notices?written_from=2020-02-30', 'written_from'],
      ['/api/notices?written_from=2021-01-01&written_to=2020-01-01', 'written_from'],
    ];
    for (const [path, parameter] of cases) {
      const res = await app.request(path);
      expect(res.status, path).toBe(400);
      expect(((await res.json()) as any).errors.map((e: any) => e.parameter), path).toContain(parameter);
    }
    const first = (await (await app.request('/api/notices?limit=2')).json()) as any;
    const wrongSort = await app.request(`/api/notices?sort=published_asc&cursor=${first.next_cursor}`);
    expect(wrongSort.status).toBe(400);
    expect(((await wrongSort.json()) as any).errors[0].detail).toContain('sort=published_desc');
  });
});
