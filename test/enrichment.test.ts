/**
 * Korean enrichment through the real pipeline: every stored notice gets sectors, Korean issuer names,
 * a Korean title and a Korean summary inside the ingest transaction; sector and Korean search work;
 * an analyst's reviewed summary survives re-scrapes and re-enrichment.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOURCES } from '../scrapers/index.js';
import { createApp } from '../src/api/app.js';
import { apiKeyAuthenticator } from '../src/api/api-keys.js';
import { runEnrichCommand } from '../src/cli/enrich.js';
import { printIssuers } from '../src/cli/output.js';
import { SECTOR_CODES } from '../src/domain/sector.js';
import { createEnricher, offlineSummarizer } from '../src/enrichment/index.js';
import { buildGlossary, parseGlossary } from '../src/enrichment/glossary/index.js';
import { GLOSSARY_DOMAINS } from '../src/enrichment/glossary/domains.js';
import { GLOSSARY_GENERAL } from '../src/enrichment/glossary/general.js';
import { hasBatchim, josa } from '../src/enrichment/korean.js';
import { chineseNumeral, renderNumbers, sectionHeading } from '../src/enrichment/numbers.js';
import type { IssuerDirectory } from '../src/issuers/issuer.directory.js';
import { loadIssuerDirectory } from '../src/issuers/issuer.repository.js';
import { ISSUER_SEED } from '../src/issuers/registry-data.js';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from './support/databases.js';
import { loadGovCnFixtures } from './support/fixture-store.js';
import { archiveNotice, ingestScraped, scrapedFromArchive } from './support/notices.js';

const KEY = 'reviewer-key-0123456789';
const SCIENCE_WEEK = 'https://www.most.gov.cn/tztg/202006/t20200618_155023.html';
const ELECTRICITY = 'https://www.gov.cn/zhengce/zhengceku/2020-06/28/content_5522280.htm';
const INSURANCE_FUND = 'https://www.gov.cn/zhengce/content/2020-07/09/content_5525564.htm';
const strip = (s: string) => s.replace(/\s+/g, '');

describe('Korean text helpers', () => {
  it('chooses particles by the final consonant', () => {
    expect(josa('국무원 판공청', '은', '는')).toBe('국무원 판공청은');
    expect(josa('국가발전개혁위원회', '은', '는')).toBe('국가발전개혁위원회는');
    expect(hasBatchim('결정」')).toBe(true);
    expect(hasBatchim('통지」')).toBe(false);
    expect(hasBatchim('95%')).toBe(false);
  });

  it('renders dates, periods, amounts and numbered items', () => {
    expect(strip(renderNumbers('自2020年7月1日起至12月31日止'))).toContain(strip('2020년 7월 1일부터 12월 31일까지'));
    expect(renderNumbers('到2025年')).toContain('2025년까지');
    expect(renderNumbers('3.5亿元')).toContain('3.5억 위안');
    expect(renderNumbers('第一批')).toContain('제1차');
    expect(chineseNumeral('二十三')).toBe(23);
    expect(chineseNumeral('一百零五')).toBe(105);
    expect(sectionHeading('一、实施范围')).toEqual({ number: 1, title: '实施范围' });
    expect(sectionHeading('(一)指导思想。以习近平……')).toBeNull();
  });
});

describe('glossary', () => {
  it('holds thousands of policy terms without repeats inside a file', () => {
    for (const text of [GLOSSARY_GENERAL, GLOSSARY_DOMAINS]) {
      const entries = parseGlossary(text);
      expect(new Set(entries.map(([zh]) => zh)).size).toBe(entries.length);
    }
    expect(buildGlossary(ISSUER_SEED).size).toBeGreaterThan(3000);
  });

  it('gives every registry issuer, and so every issuer of the fixtures, its Korean name', () => {
    const glossary = buildGlossary(ISSUER_SEED);
    for (const issuer of ISSUER_SEED) expect(glossary.get(issuer.nameZh), issuer.nameZh).toBe(issuer.nameKo);
  });
});

describeEachDatabase('Korean enrichment', (kind) => {
  let t: TestDatabase;
  let directory: IssuerDirectory;
  let app: ReturnType<typeof createApp>;
  const ids = new Map<string, string>();

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    for (const [url, id] of await loadGovCnFixtures(t.db)) ids.set(url, id);
    // the science-week notice: metadata only, no text
    ids.set(SCIENCE_WEEK, (await ingestScraped(t.db, scrapedFromArchive('01', SCIENCE_WEEK, { bodyHtml: null }), 'gov-cn')).noticeId);
    directory = await loadIssuerDirectory(t.db);
    app = createApp({
      db: t.db,
      sources: SOURCES,
      directory: () => directory,
      authenticate: apiKeyAuthenticator(t.db, [{ name: 'analyst-kim', key: KEY }]),
      scrapes: null,
      version: 'test',
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const get = async (path: string) => (await app.request(path)).json() as Promise<any>;
  const notice = (url: string) => get(`/api/notices/${ids.get(url)}`);

  it('gives every stored notice sectors, Korean issuer names, a Korean title and summary', async () => {
    const { items } = await get('/api/notices?limit=100');
    expect(items.length).toBe(ids.size);
    for (const n of items) {
      expect(n.sectors.length, n.title_zh).toBeGreaterThan(0);
      for (const s of n.sectors) expect(SECTOR_CODES).toContain(s.code);
      expect(n.title_ko, n.title_zh).toMatch(/[가-힣]/);
      expect(n.summary_ko, n.title_zh).toMatch(/[가-힣]/);
      expect(n.summary_status).toBe('machine');
      for (const i of n.issuers) expect(i.name_ko, i.name_zh).toBeTruthy();
      const lines = n.summary_ko.split('\n');
      expect(lines.length, n.summary_ko).toBeGreaterThanOrEqual(2);
      expect(lines.length, n.summary_ko).toBeLessThanOrEqual(6);
    }
  });

  it('science-week notice (metadata only): Korean title, four issuers, its 文号, science_tech', async () => {
    const n = await notice(SCIENCE_WEEK);
    expect(n.issuers.map((i: any) => i.name_ko)).toEqual(['과학기술부', '중공중앙 선전부', '국가위생건강위원회', '중국과학기술협회']);
    expect(n.title_ko).toContain('과학기술부');
    expect(n.title_ko).toMatch(/2020년/);
    expect(n.title_ko).toMatch(/에 관한 통지$/);
    expect(n.summary_ko).toContain('국과발지〔2020〕167호'.length ? '国科发智〔2020〕167号' : '');
    for (const name of ['과학기술부', '중공중앙 선전부', '국가위생건강위원회', '중국과학기술협회']) expect(n.summary_ko).toContain(name);
    expect(n.summary_ko).toContain('본문은 수집되지 않아');
    expect(n.sectors[0].code).toBe('science_tech');
  });

  it('electricity-cost notice: issuer, period and 95% in the summary; energy, and a cost measure for firms', async () => {
    const n = await notice(ELECTRICITY);
    expect(n.title_ko).toContain('국가발전개혁위원회');
    expect(n.title_ko).toMatch(/에 관한 통지$/);
    for (const fact of ['국가발전개혁위원회', '发改价格〔2020〕994号', '2020년 7월 1일', '12월 31일', '95%']) expect(n.summary_ko).toContain(fact);
    expect(n.sectors.map((s: any) => s.code).slice(0, 2)).toEqual(['energy', 'industry']);
    expect(n.key_points.some((p: string) => p.includes('95%'))).toBe(true);
    expect(n.summary).toMatchObject({ provider: 'offline', model: null, prompt_version: 'offline-1', note: null });
  });

  it('medical-insurance-fund notice: issuer and 2025 target in the summary; health', async () => {
    const n = await notice(INSURANCE_FUND);
    expect(n.title_ko).toContain('국무원 판공청');
    expect(n.title_ko).toContain('의료보장');
    expect(n.title_ko).toMatch(/지도의견$/);
    for (const fact of ['국무원 판공청', '国办发〔2020〕20号', '2025년']) expect(n.summary_ko).toContain(fact);
    expect(n.sectors[0].code).toBe('health');
  });

  it('filters by sector (unknown codes are a 400 listing the valid ones) and by Korea relevance', async () => {
    const health = await get('/api/notices?sector=health&limit=100');
    expect(health.items.map((n: any) => n.id)).toContain(ids.get(INSURANCE_FUND));
    for (const n of health.items) expect(n.sectors.map((s: any) => s.code)).toContain('health');
    const either = await get('/api/notices?sector=health&sector=energy&limit=100');
    expect(either.items.length).toBeGreaterThan(health.items.length);

    const bad = await app.request('/api/notices?sector=medicine');
    expect(bad.status).toBe(400);
    const problem = (await bad.json()) as any;
    expect(problem.errors[0].parameter).toBe('sector');
    expect(problem.errors[0].detail).toContain('science_tech, finance, health');

    const korea = await get('/api/notices?korea_relevant=true&limit=100');
    const tariffs = korea.items.filter((n: any) => n.title_zh.includes('加征关税'));
    expect(tariffs.length).toBe(2);
    for (const n of korea.items) expect(n.korea_reasons.length).toBeGreaterThan(0);
    expect(tariffs[0].korea_reasons).toContain('관세');
    expect((await app.request('/api/notices?korea_relevant=maybe')).status).toBe(400);
  });

  it('searches the Korean title and summary (q=의료보장)', async () => {
    const { items } = await get(`/api/notices?q=${encodeURIComponent('의료보장')}`);
    expect(items.map((n: any) => n.id)).toContain(ids.get(INSURANCE_FUND));
    for (const n of items) expect(`${n.title_ko}\n${n.summary_ko}`).toContain('의료보장');
    const chinese = await get(`/api/notices?q=${encodeURIComponent('医疗保障')}`);
    expect(chinese.items.map((n: any) => n.id)).toContain(ids.get(INSURANCE_FUND));
  });

  it('lists sectors and issuers with counts', async () => {
    const sectors = await get('/api/sectors');
    expect(sectors.items.map((s: any) => s.code)).toEqual(SECTOR_CODES);
    expect(sectors.items.find((s: any) => s.code === 'health').count).toBeGreaterThanOrEqual(3);
    const issuers = await get('/api/issuers');
    const ndrc = issuers.items.find((i: any) => i.name_zh === '国家发展改革委');
    expect(ndrc).toMatchObject({ name_ko: '국가발전개혁위원회', name_en: 'National Development and Reform Commission' });
    expect(ndrc.count).toBeGreaterThanOrEqual(2);
  });

  it('keeps an analyst’s reviewed summary through re-scrapes and re-enrichment', async () => {
    const id = ids.get(ELECTRICITY)!;
    const put = (body: unknown, key = KEY) =>
      app.request(`/api/notices/${id}/summary`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await put({ summary_ko: 'x' }, 'wrong-key-wrong-key')).status).toBe(401);
    expect((await put({})).status).toBe(400);
    expect((await put({ summary_ko: '', extra: 1 })).status).toBe(400);
    const reviewed = await put({ title_ko: '국가발전개혁위원회, 기업 전기요금 인하 연장 통지', summary_ko: '검토 완료: 2020년 하반기 전기요금 5% 인하를 연장한다.' });
    expect(reviewed.status).toBe(200);
    const after = (await reviewed.json()) as any;
    expect(after.summary_status).toBe('reviewed');
    expect(after.summary.reviewed_by).toBe('analyst-kim');
    expect(after.summary.reviewed_at).toBeTruthy();

    // a re-scrape finds changed text (a new revision) …
    const changed = scrapedFromArchive('02', ELECTRICITY);
    changed.bodyText = `${changed.bodyText}\n（本通知有效期至2020年12月31日）`;
    expect((await ingestScraped(t.db, changed)).outcome).toBe('revised');
    // … and `cpt enrich --all` runs again
    await runEnrichCommand({ db: t.db, enricher: createEnricher() }, offlineSummarizer(), { all: true });
    const n = await notice(ELECTRICITY);
    expect(n.revision).toBe(2);
    expect(n.summary_status).toBe('reviewed');
    expect(n.title_ko).toBe('국가발전개혁위원회, 기업 전기요금 인하 연장 통지');
    expect(n.summary_ko).toBe('검토 완료: 2020년 하반기 전기요금 5% 인하를 연장한다.');
    // the reviewed text is searchable
    const found = await get(`/api/notices?q=${encodeURIComponent('검토 완료')}`);
    expect(found.items.map((x: any) => x.id)).toEqual([id]);
  });

  it('lists issuers the registry does not know (cpt issuers --unknown)', async () => {
    await ingestScraped(
      t.db,
      scrapedFromArchive('21', 'https://www.gov.cn/zhengce/zhengceku/2021-09/28/content_9999999.htm', { issuerNames: ['工业和信息化部办公厅', '某某产业联盟'] }),
    );
    const lines: string[] = [];
    await printIssuers(t.db, { unknown: true }, (line) => lines.push(line));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^某某产业联盟\t1 notice\(s\)\te\.g\. n/);
    const known: string[] = [];
    await printIssuers(t.db, {}, (line) => known.push(line));
    expect(known.some((l) => l.startsWith('国家发展改革委\t국가발전개혁위원회\tNational Development and Reform Commission\t'))).toBe(true);
  });

  it('never re-summarises an unchanged notice', async () => {
    const id = ids.get(INSURANCE_FUND)!;
    const before = await t.db.selectFrom('notices').select(['summary_created_at']).where('id', '=', id).executeTakeFirstOrThrow();
    expect((await ingestScraped(t.db, scrapedFromArchive('03', 'https://www.gov.cn/zhengce/content/2020-07/09/content_5525564.htm'))).outcome).not.toBe('new');
    const result = await runEnrichCommand({ db: t.db, enricher: createEnricher() }, offlineSummarizer(), {});
    expect(result).toMatch(/enriched 0 notice/);
    const after = await t.db.selectFrom('notices').select(['summary_created_at']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(after.summary_created_at).toEqual(before.summary_created_at);
  });
});

describe('offline provider on the three 2020 notices', () => {
  it('writes the shapes the newsletter uses', async () => {
    const summarizer = offlineSummarizer();
    const input = (id: string) => {
      const a = archiveNotice(id);
      return {
        titleZh: a.title,
        docNumber: a.doc_number,
        docType: a.doc_type,
        issuers: a.issuers.map((name) => ({ nameZh: name, nameKo: ISSUER_SEED.find((s) => s.nameZh === name || s.aliases.includes(name))?.nameKo ?? null })),
        writtenDate: a.written_date,
        publishedDate: a.published_date,
        effectiveDate: null,
        topicZh: null,
        bodyText: a.body ?? '',
      };
    };
    const electricity = await summarizer.summarize(input('02'));
    expect(electricity.summaryKo.split('\n')[0]).toMatch(/^국가발전개혁위원회는 「.+에 관한 통지」\(发改价格〔2020〕994号\)를 발표했다\(작성 2020년 6월 24일, 공개 2020년 6월 28일\)\.$/);
    expect(electricity.summaryKo).toMatch(/구성: 1\. 실시 범위 \/ 2\. 구체적 조치 \/ 3\. 업무 요구\./);
  });
});
