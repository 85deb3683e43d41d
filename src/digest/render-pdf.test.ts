import { extractText, getDocumentProxy } from 'unpdf';
import { describe, expect, it } from 'vitest';
import type { Digest, DigestNotice } from './digest.js';
import { renderPdf, splitRuns } from './render-pdf.js';
import { tocEntry } from './render-text.js';

const ENERGY = { code: 'energy', nameKo: '에너지·전력' };
const HEALTH = { code: 'health', nameKo: '보건·의료' };

function notice(over: Partial<DigestNotice> & Pick<DigestNotice, 'id' | 'titleKo' | 'titleZh'>): DigestNotice {
  return {
    issuers: [{ nameZh: '国家发展和改革委员会', nameKo: '국가발전개혁위원회' }],
    docNumber: null,
    docType: '通知',
    writtenDate: '2020-06-18',
    publishedDate: '2020-06-22',
    date: { basis: 'published', value: '2020-06-22' },
    sectors: [ENERGY],
    summaryKo: null,
    summaryStatus: 'done',
    url: null,
    koreaRelevant: false,
    koreaReasons: [],
    ...over,
  };
}

const power = notice({
  id: 'ndrc-2020-1000',
  titleKo: '기업 전기요금 인하 정책 연장에 관한 통지',
  titleZh: '国家发展改革委关于延长阶段性降低企业用电成本政策的通知',
  docNumber: '发改价格〔2020〕1000号',
  summaryKo: [
    '- 일반 공상업 및 대공업 전력 사용자의 전기요금 5% 인하 조치를 2020년 12월 31일까지 연장',
    '- 전력망 기업이 인하분을 부담하며, 지방 정부는 집행 상황을 점검',
    '- 중국 내 생산시설을 운영하는 한국 기업의 전력 비용 절감 효과가 연말까지 이어짐',
  ].join('\n'),
  url: 'https://www.ndrc.gov.cn/xxgk/zcfb/tz/202006/t20200626_1232160.html',
  koreaRelevant: true,
  koreaReasons: ['전력 비용', '제조업'],
});

const grid = notice({
  id: 'nea-2020-12',
  titleKo: '전력 현물시장 건설 시범 업무 추진에 관한 통지',
  titleZh: '国家能源局综合司关于做好电力现货市场建设试点工作的通知',
  issuers: [{ nameZh: '国家能源局', nameKo: '국가에너지국' }],
  writtenDate: '2020-06-20',
  publishedDate: null,
  date: { basis: 'written', value: '2020-06-24' },
  summaryKo: '- 8개 시범 지역의 전력 현물시장 시험 운행을 연말까지 확대',
  url: 'https://www.nea.gov.cn/2020-06/24/c_139164543.htm',
});

const health = notice({
  id: 'gov-2020-20',
  titleKo: '의료보장기금 감독관리 제도 체계 개혁 추진에 관한 지도의견',
  titleZh: '国务院办公厅关于推进医疗保障基金监管制度体系改革的指导意见',
  issuers: [
    { nameZh: '国务院办公厅', nameKo: '국무원 판공청' },
    { nameZh: '国家医疗保障局', nameKo: null },
  ],
  docNumber: '国办发〔2020〕20号',
  writtenDate: '2020-06-30',
  publishedDate: '2020-07-09',
  date: { basis: 'published', value: '2020-07-09' },
  sectors: [HEALTH],
  summaryKo: '- 2025년까지 의료보장기금 감독관리 제도 체계를 전면 구축\n- 의료기관·약국에 대한 신용 평가와 처벌을 강화',
  url: 'https://www.gov.cn/zhengce/content/2020-07/10/content_5525564.htm',
});

const digest: Digest = {
  week: '2020-W26',
  start: '2020-06-22',
  end: '2020-06-28',
  title: '중국 중앙정부 정책 주간 동향 — 2020년 26주차 (6.22–6.28)',
  by: 'published',
  filters: { sectors: [], issuerIds: [], koreaRelevantOnly: false },
  total: 3,
  sections: [
    { sector: ENERGY, notices: [power, grid] },
    { sector: HEALTH, notices: [health] },
  ],
  generatedAt: '2020-06-29T00:00:00.000Z',
};

async function pdfText(bytes: Uint8Array): Promise<{ text: string; pages: number; title: unknown }> {
  // pdf.js may detach the buffer it is given: hand it a copy
  const pdf = await getDocumentProxy(new Uint8Array(bytes));
  const { text, totalPages } = await extractText(pdf, { mergePages: true });
  const meta = await pdf.getMetadata();
  await pdf.destroy();
  return { text, pages: totalPages, title: (meta.info as { Title?: unknown }).Title };
}

/** Text extraction may split runs and lines: compare without whitespace. */
const squash = (s: string) => s.replace(/\s+/g, '');

describe('renderPdf', () => {
  it('splits text into font runs by script', () => {
    expect(splitRuns('국가발전개혁위원회(国家发展改革委)')).toEqual([
      { text: '국가발전개혁위원회(', script: 'kr' },
      { text: '国家发展改革委)', script: 'sc' },
    ]);
    expect(splitRuns('国办发〔2020〕20号')).toEqual([{ text: '国办发〔2020〕20号', script: 'sc' }]);
    expect(splitRuns('(2020.6.18) 통지')).toEqual([{ text: '(2020.6.18) 통지', script: 'kr' }]);
    expect(splitRuns('')).toEqual([]);
  });

  it('renders the digest with its Korean and Chinese text', async () => {
    const started = performance.now();
    const bytes = await renderPdf(digest);
    const ms = performance.now() - started;
    console.log(`renderPdf: ${digest.total} notices, ${bytes.length} bytes in ${ms.toFixed(0)} ms (first render, fonts read from disk)`);
    const again = performance.now();
    const second = await renderPdf(digest);
    console.log(`renderPdf: second render in ${(performance.now() - again).toFixed(0)} ms`);

    expect(new TextDecoder().decode(bytes.subarray(0, 5))).toBe('%PDF-');
    // a pure function of the digest: the same digest, the same bytes
    expect(Buffer.from(second).equals(Buffer.from(bytes))).toBe(true);

    const { text, pages, title } = await pdfText(bytes);
    expect(title).toBe(digest.title);
    expect(pages).toBeGreaterThanOrEqual(1);
    const flat = squash(text);
    for (const expected of [
      '중국 중앙정부 정책 주간 동향',
      digest.title,
      '기간: 2020-06-22 ~ 2020-06-28',
      '◆ 에너지·전력',
      '◆ 보건·의료',
      tocEntry(power),
      '▶ 전력 현물시장 건설 시범 업무 추진에 관한 통지 (2020.6.24)',
      '- 일반 공상업 및 대공업 전력 사용자의 전기요금 5% 인하 조치를 2020년 12월 31일까지 연장',
      '- 의료기관·약국에 대한 신용 평가와 처벌을 강화',
      '国家发展改革委关于延长阶段性降低企业用电成本政策的通知',
      '国务院办公厅关于推进医疗保障基金监管制度体系改革的指导意见',
      '国家能源局综合司关于做好电力现货市场建设试点工作的通知',
      '국무원 판공청(国务院办公厅), 国家医疗保障局',
      '国办发〔2020〕20号',
      '발표일 미상: 작성일 기준',
      '한국 관련: 전력 비용, 제조업',
      power.url!,
      `1 / ${pages}`,
    ]) {
      expect(flat, expected).toContain(squash(expected));
    }
    // the table of contents comes first, then the sections in the digest's order
    expect(flat.indexOf(squash(tocEntry(health)))).toBeLessThan(flat.indexOf(squash('▶ 기업 전기요금 인하 정책 연장에 관한 통지国家')));
    expect(flat.indexOf(squash(power.titleZh))).toBeLessThan(flat.indexOf(squash(grid.titleZh)));
    expect(flat.indexOf(squash(grid.titleZh))).toBeLessThan(flat.indexOf(squash(health.titleZh)));
  });

  it('links each notice to its source', async () => {
    const pdf = await getDocumentProxy(new Uint8Array(await renderPdf(digest)));
    const urls: string[] = [];
    for (let i = 1; i <= pdf.numPages; i++) {
      const annotations = (await (await pdf.getPage(i)).getAnnotations()) as Array<{ url?: string }>;
      for (const a of annotations) if (a.url) urls.push(a.url);
    }
    await pdf.destroy();
    for (const n of [power, grid, health]) expect(urls).toContain(n.url);
  });

  it('says so when the week has no notices', async () => {
    const empty: Digest = { ...digest, total: 0, sections: [] };
    const bytes = await renderPdf(empty);
    expect(new TextDecoder().decode(bytes.subarray(0, 5))).toBe('%PDF-');
    const { text, pages } = await pdfText(bytes);
    expect(pages).toBe(1);
    const flat = squash(text);
    expect(flat).toContain(squash(empty.title));
    expect(flat).toContain(squash('이번 주에는 조건에 맞는 중앙정부 문건이 없습니다.'));
    expect(flat).not.toContain('◆');
  });
});
