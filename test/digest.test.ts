/**
 * The weekly digest of 2020-W25…W28 from real notices, in every format, through the API and the
 * CLI: the newsletter layout, the date that placed each notice, empty weeks, filters, bad input, and
 * a PDF whose Korean and Chinese text can be extracted again.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as cheerio from 'cheerio';
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/api/app.js';
import { BUNDLED_ARCHIVE_DIR } from '../src/archive/bundled-archive.js';
import { isoWeekOf, weekRange } from '../src/digest/digest.js';
import { runCli, testEnv } from './support/cli.js';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from './support/databases.js';
import { testApp } from './support/app.js';
import { ingestScraped, scrapedFromArchive } from './support/notices.js';

const SCIENCE_WEEK = 'https://www.gov.cn/zhengce/zhengceku/2020-06/20/content_5520727.htm'; // no published date
const ELECTRICITY = 'https://www.gov.cn/zhengce/zhengceku/2020-06/28/content_5522280.htm';
const INSURANCE_FUND = 'https://www.gov.cn/zhengce/content/2020-07/09/content_5525564.htm';

async function pdfText(bytes: Uint8Array): Promise<string> {
  const pdf = await getDocumentProxy(new Uint8Array(bytes));
  const { text } = await extractText(pdf, { mergePages: true });
  return text as string;
}

describe('ISO weeks', () => {
  it('knows the Monday and Sunday of a week, and the week of a moment in Korea time', () => {
    expect(weekRange('2020-W26')).toMatchObject({ start: '2020-06-22', end: '2020-06-28' });
    expect(weekRange('2020-W53')).toMatchObject({ start: '2020-12-28', end: '2021-01-03' });
    expect(weekRange('2021-W01')).toMatchObject({ start: '2021-01-04', end: '2021-01-10' });
    // Sunday 2020-06-28 23:30 in Seoul is still week 26; 15:30 UTC that day is Monday in Seoul
    expect(isoWeekOf(new Date('2020-06-28T14:30:00Z'))).toBe('2020-W26');
    expect(isoWeekOf(new Date('2020-06-28T15:30:00Z'))).toBe('2020-W27');
    for (const bad of ['2020-26', '2020-W5', '2021-W53', '2020-W00', 'next week', '1800-W01']) expect(() => weekRange(bad)).toThrow(/ISO week|has weeks|out of range/);
  });
});

describeEachDatabase('weekly digest', (kind) => {
  let t: TestDatabase;
  let app: ReturnType<typeof createApp>;
  const notices: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    notices.science = (await ingestScraped(t.db, scrapedFromArchive('01', SCIENCE_WEEK, { publishedDate: null }))).noticeId;
    notices.electricity = (await ingestScraped(t.db, scrapedFromArchive('02', ELECTRICITY))).noticeId;
    notices.fund = (await ingestScraped(t.db, scrapedFromArchive('03', INSURANCE_FUND))).noticeId;
    app = await testApp(t.db, {
      sectorOrder: ['health', 'energy'],
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const digest = (path: string) => app.request(`/api/digests/${path}`);
  const titleKo = async (id: string) => (((await (await app.request(`/api/notices/${id}`)).json()) as any).title_ko as string);

  it('2020-W26 in Markdown: newsletter title, table of contents by sector, one section per notice', async () => {
    const res = await digest('2020-W26?format=md');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    const md = await res.text();
    expect(md).toContain('중국 중앙정부 정책 주간 동향 — 2020년 26주차 (6.22–6.28)');
    expect(md).toContain('◆ 에너지·전력');
    expect(md).toContain(`▶ ${await titleKo(notices.electricity!)} (2020.6.28)`);
    for (const part of ['国家发展改革委关于延长阶段性降低企业用电成本政策的通知', '发改价格〔2020〕994号', '국가발전개혁위원회', ELECTRICITY, '작성 2020.6.24']) expect(md).toContain(part);
    // the science-week notice has no published date: its written date (6.18) puts it in W25, not here
    expect(md).not.toContain('科技活动周');
  });

  it('places a notice without a published date by its written date, and says so', async () => {
    const md = await (await digest('2020-W25?format=md')).text();
    expect(md).toContain('◆ 과학기술');
    expect(md).toContain(`▶ ${await titleKo(notices.science!)} (2020.6.18)`);
    expect(md).toContain('발표일 미상: 작성일 기준');
    const byWritten = (await (await digest('2020-W27?format=json&by=written')).json()) as any;
    expect(byWritten.by).toBe('written');
    expect(byWritten.sections.flatMap((s: any) => s.notices.map((n: any) => n.id))).toEqual([notices.fund]);
  });

  it('2020-W27 has no notice by published date, and says so in every format', async () => {
    expect(await (await digest('2020-W27?format=md')).text()).toContain('이번 주에는 조건에 맞는 중앙정부 문건이 없습니다.');
    expect(await (await digest('2020-W27?format=html')).text()).toContain('이번 주에는 조건에 맞는 중앙정부 문건이 없습니다.');
    const json = (await (await digest('2020-W27?format=json')).json()) as any;
    expect(json).toMatchObject({ week: '2020-W27', start: '2020-06-29', end: '2020-07-05', total: 0, sections: [] });
    const pdf = new Uint8Array(await (await digest('2020-W27?format=pdf')).arrayBuffer());
    expect(await pdfText(pdf)).toContain('이번 주에는');
  });

  it('2020-W28 in self-contained, e-mail-safe HTML', async () => {
    const res = await digest('2020-W28?format=html');
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await res.text();
    const $ = cheerio.load(html);
    expect($('title').text()).toBe('중국 중앙정부 정책 주간 동향 — 2020년 28주차 (7.6–7.12)');
    expect($('script, link[rel=stylesheet], style[src], img[src^=http]').length).toBe(0);
    expect($('[style]').length).toBeGreaterThan(5);
    expect($('body').text()).toContain('◆ 의료·보건');
    expect($('body').text()).toContain(`▶ ${await titleKo(notices.fund!)} (2020.7.9)`);
    expect($(`a[href="${INSURANCE_FUND}"]`).length).toBeGreaterThan(0);
    expect($('body').text()).toContain('国办发〔2020〕20号');
  });

  it('JSON carries the sections in the configured sector order with every field', async () => {
    const json = (await (await digest('2020-W26?format=json&by=written')).json()) as any;
    // W26 by written date: the electricity notice (6.24); the fund notice was written 6.30 (W27)
    expect(json.title).toBe('중국 중앙정부 정책 주간 동향 — 2020년 26주차 (6.22–6.28)');
    expect(json.sections.map((s: any) => s.sector.code)).toEqual(['energy']);
    expect(json.sections[0].notices[0]).toMatchObject({
      id: notices.electricity,
      titleZh: '国家发展改革委关于延长阶段性降低企业用电成本政策的通知',
      docNumber: '发改价格〔2020〕994号',
      date: { basis: 'written', value: '2020-06-24' },
      url: ELECTRICITY,
    });
    expect(json.sections[0].notices[0].summaryKo).toMatch(/[가-힣]/);
    // both weeks together, health first as configured
    const all = await Promise.all(['2020-W26', '2020-W28'].map(async (w) => ((await (await digest(`${w}?format=json`)).json()) as any).sections.map((s: any) => s.sector.code)));
    expect(all).toEqual([['energy'], ['health']]);
  });

  it('renders a PDF whose Korean text and Chinese titles can be extracted', async () => {
    for (const [week, zh] of [
      ['2020-W26', '国家发展改革委关于延长阶段性降低企业用电成本政策的通知'],
      ['2020-W28', '国务院办公厅关于推进医疗保障基金监管制度体系改革的指导意见'],
    ] as const) {
      const res = await digest(`${week}?format=pdf`);
      expect(res.headers.get('content-type')).toBe('application/pdf');
      expect(res.headers.get('content-disposition')).toBe(`inline; filename="cpt-digest-${week}.pdf"`);
      const bytes = new Uint8Array(await res.arrayBuffer());
      expect(Buffer.from(bytes.subarray(0, 5)).toString()).toBe('%PDF-');
      const text = (await pdfText(bytes)).replace(/\s+/g, '');
      expect(text).toContain('중국중앙정부정책주간동향');
      expect(text).toContain(zh);
    }
  });

  it('filters by sector, issuer and Korea relevance', async () => {
    expect(((await (await digest('2020-W26?format=json&sector=health')).json()) as any).total).toBe(0);
    expect(((await (await digest('2020-W26?format=json&sector=energy&sector=health')).json()) as any).total).toBe(1);
    expect(((await (await digest(`2020-W28?format=json&issuer=${encodeURIComponent('国务院办公厅')}`)).json()) as any).total).toBe(1);
    expect(((await (await digest(`2020-W28?format=json&issuer=${encodeURIComponent('发改委')}`)).json()) as any).total).toBe(0);
    const korea = (await (await digest('2020-W26?format=json&korea_relevant=true')).json()) as any;
    expect(korea.filters.koreaRelevantOnly).toBe(true);
  });

  it('answers bad weeks and parameters with 400 problem+json naming the parameter', async () => {
    for (const [path, parameter, detail] of [
      ['2020-26', 'week', /ISO week/],
      ['2021-W53', 'week', /has weeks 01 to 52/],
      ['2020-W26?format=docx', 'format', /md|html|json|pdf/],
      ['2020-W26?sector=medicine', 'sector', /unknown sector/],
      [`2020-W26?issuer=${encodeURIComponent('不存在的部门')}`, 'issuer', /unknown issuer/],
      ['2020-W26?by=modified', 'by', /published/],
    ] as const) {
      const res = await digest(path);
      expect(res.status, path).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
      const problem = (await res.json()) as any;
      const error = problem.errors.find((e: any) => e.parameter === parameter);
      expect(error?.detail, path).toMatch(detail);
    }
  });
});

describe('cpt digest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cpt-digest-'));
  const env = testEnv({ DATA_DIR: join(dir, 'data') });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the week as Markdown to stdout and as PDF to a file; refuses bad weeks with exit 2', async () => {
    const imported = await runCli(['import', join(BUNDLED_ARCHIVE_DIR, '02.json'), join(BUNDLED_ARCHIVE_DIR, '03.json')], env);
    expect(imported.code, imported.stderr).toBe(0);
    const md = await runCli(['digest', '--week', '2020-W26'], env);
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toContain('# 중국 중앙정부 정책 주간 동향 — 2020년 26주차 (6.22–6.28)');
    expect(md.stdout).toContain('◆ 에너지·전력');
    const out = join(dir, 'digest.pdf');
    const pdf = await runCli(['digest', '--week', '2020-W28', '--format', 'pdf', '--out', out], env);
    expect(pdf.code, pdf.stderr).toBe(0);
    expect(pdf.stderr).toContain('1 notice(s) →');
    expect((await pdfText(new Uint8Array(readFileSync(out)))).replace(/\s+/g, '')).toContain('国务院办公厅关于推进医疗保障基金监管制度体系改革的指导意见');
    const bad = await runCli(['digest', '--week', '2020-26'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('cpt: "2020-26" is not an ISO week; write it like 2020-W26');
    const issuer = await runCli(['digest', '--week', '2020-W26', '--issuer', '不存在的部门'], env);
    expect(issuer.code).toBe(2);
    expect(issuer.stderr).toMatch(/unknown issuer 不存在的部门/);
  });
});
