import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MirrorServer, startMirrorServer } from '../../test/support/mirror-server.js';
import { noSpace, sourceFixtures, walkColumn } from '../../test/support/source-fixtures.js';
import { type ListItem, ListLayoutError, type ListRequest, type SourceColumn } from '../source.js';
import source, { canonicalUrl, columns, isDetailUrl, parseDetail, parseList, SITE_BODY } from './index.js';

const here = dirname(fileURLToPath(import.meta.url));
const { mirror: mirrorRoot, expected, pageUrls, fileOf, savedPage } = sourceFixtures(here, 'www.ndrc.gov.cn');
const column = (id: string) => columns.find((c) => c.id === id)!;

/** Every list page of a column, following `next` to the end. */
function walkColumnPages(col: SourceColumn): { items: ListItem[]; pages: string[] } {
  const { items, requests } = walkColumn(parseList, (r) => savedPage(r.url), col);
  return { items, pages: requests.map((r) => r.url) };
}

const N02 = 'https://www.ndrc.gov.cn/xxgk/zcfb/tz/202006/t20200628_1232229.html';
const N27 = 'https://www.ndrc.gov.cn/xxgk/zcfb/tz/202002/t20200226_1221616.html';
const N31 = 'https://www.ndrc.gov.cn/xxgk/zcfb/ghxwj/202501/t20250113_1395561.html';
const N34 = 'https://www.ndrc.gov.cn/xxgk/zcfb/tz/202112/t20211231_1311466.html';

describe('ndrc lists', () => {
  it.each(columns.map((c) => [c.id, c] as const))('reads every page of %s to the end', (id, col) => {
    const { items, pages } = walkColumnPages(col);
    expect(items).toHaveLength(expected._lists[id]);
    expect(pages).toHaveLength(expected._list_pages[id]);
    if (pages.length > 1) expect(pages[1]).toBe(`https://www.ndrc.gov.cn/xxgk/zcfb/${id}/index_1.html`);
    for (const item of items) {
      expect(item.url).toMatch(/^https:\/\/www\.ndrc\.gov\.cn\/xxgk\/zcfb\//);
      expect(isDetailUrl(item.url)).toBe(true);
      expect(item.column).toBe(id);
      expect(item.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(expected[item.url], item.url).toBeDefined();
    }
  });

  it('lists every fixture page, including the 404 entry', () => {
    const all = new Set(columns.flatMap((c) => walkColumnPages(c).items.map((i) => i.url)));
    expect(all.size).toBe(expected._lists.unique_urls);
    expect(all).toEqual(new Set(pageUrls));
  });

  it('drops 解读 cross-links, attachment rows and separator rows; reads the 文号 from the title attribute', () => {
    const html = savedPage(column('tz').first.url);
    expect(html).toContain('../../jd/jd/');
    expect(html).toContain('<li class="empty"></li>');
    const items = walkColumnPages(column('tz')).items;
    expect(items.some((i) => /\/jd\/|\.pdf$/.test(i.url))).toBe(false);
    expect(items.find((i) => i.url === N02)).toEqual({
      url: N02,
      column: 'tz',
      title: '国家发展改革委关于延长阶段性降低企业用电成本政策的通知（发改价格〔2020〕994号）',
      date: '2020-06-28',
      docNumber: '发改价格〔2020〕994号',
    });
  });

  it('treats the empty 公告 and 令 lists as lists', () => {
    for (const id of ['gg', 'fzggwl']) expect(parseList(savedPage(column(id).first.url), column(id).first, column(id))).toEqual({ items: [], next: null });
  });

  it('reports pages that are not an NDRC list', () => {
    const tz = column('tz');
    expect(() => parseList('<html><head><title>网站维护</title></head><body>系统升级中</body></html>', tz.first, tz)).toThrow(/not an NDRC list page \("网站维护"\)/);
    expect(() => parseList('{"code":500}', tz.first, tz)).toThrow(ListLayoutError);
    expect(() => parseList('<ul class="u-list"><li><span>x</span><span>2020/01/01</span></li></ul>', tz.first, tz)).toThrow(/none has a link/);
    expect(() => parseList('<html><script>document.cookie="__jsl_clearance=1"</script></html>', tz.first, tz)).toThrow(/challenge/);
  });

  it('pages from the request URL and stops at the total', () => {
    const tz = column('tz');
    const body = '<ul class="u-list"><li><a href="./202001/t20200102_1.html" title="关于x的通知">x</a><span>2020/01/02</span></li></ul><script>createPageHTML(3, 1, "index", "html");</script>';
    const second = { url: 'https://www.ndrc.gov.cn/xxgk/zcfb/tz/index_1.html', expect: 'html' as const };
    expect(parseList(body, second, tz).next).toEqual({ url: 'https://www.ndrc.gov.cn/xxgk/zcfb/tz/index_2.html', expect: 'html' });
    const third = { url: 'https://www.ndrc.gov.cn/xxgk/zcfb/tz/index_2.html', expect: 'html' as const };
    expect(parseList(body, third, tz).next).toBeNull();
    expect(parseList(body, second, tz).items[0]!.url).toBe('https://www.ndrc.gov.cn/xxgk/zcfb/tz/202001/t20200102_1.html');
  });
});

describe('ndrc detail pages (saved pages against expected.json)', () => {
  it.each(pageUrls.filter((u) => existsSync(fileOf(u))))('%s', (url) => {
    const want = expected[url];
    const result = parseDetail(savedPage(url), url);
    if (!want.ok) {
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.problem.code).toBe({ truncated: 'truncated', 'no body': 'no_body', 'no title': 'no_title' }[want.reason as string]);
        expect(result.problem.message.length).toBeGreaterThan(5);
      }
      return;
    }
    expect(result.ok, JSON.stringify(!result.ok && result.problem)).toBe(true);
    if (!result.ok) return;
    const n = result.notice;
    expect(n.url).toBe(url);
    expect(n.titleZh).toBe(want.title_zh);
    expect(n.docNumber).toBe(want.doc_number);
    expect(n.docType).toBe(want.doc_type);
    expect(n.issuerNames).toEqual(want.issuers);
    expect(n.writtenDate).toBe(want.written_date);
    expect(n.publishedDate).toBe(want.published_date);
    expect(n.topicZh).toBe(want.topic_zh);
    expect(n.origin).toBe(want.origin);
    expect(n.attachments).toEqual(want.attachments);
    expect(noSpace(n.bodyText).startsWith(noSpace(want.body_starts_with))).toBe(true);
    expect(noSpace(n.bodyText).endsWith(noSpace(want.body_ends_with))).toBe(true);
    expect(n.bodyText.split('\n')).toHaveLength(want.body_paragraphs);
    for (const chrome of want.body_must_not_contain) expect(n.bodyText).not.toContain(chrome);
    expect(result.warnings).toEqual([]);
  });

  it('gets the 2020 electricity-cost notice (02): 文号 from the title, issuer 国家发展改革委, published date, full text', () => {
    const result = parseDetail(savedPage(N02), N02);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const notice = JSON.parse(readFileSync(join(here, '..', '..', 'archive', 'notices', '02.json'), 'utf8'));
    expect(result.notice.titleZh).toBe(notice.title);
    expect(result.notice.docNumber).toBe('发改价格〔2020〕994号');
    expect(result.notice.issuerNames).toEqual(['国家发展改革委']);
    expect(result.notice.origin).toBe('价格司');
    expect(result.notice.publishedDate).toBe('2020-06-28');
    expect(result.notice.writtenDate).toBe('2020-06-24');
    expect(result.notice.bodyText).toBe(notice.body);
  });

  it('uses the commission as issuer for `关于…` titles, the named bodies for joint titles', () => {
    const single = parseDetail(savedPage(N27), N27);
    expect(single.ok && single.notice.issuerNames).toEqual([SITE_BODY]);
    expect(single.ok && single.notice.docNumber).toBe('发改价格〔2020〕258号');
    expect(single.ok && single.notice.titleZh).toBe('关于阶段性降低企业用电成本支持企业复工复产的通知');
    const joint = parseDetail(savedPage(N31), N31);
    expect(joint.ok && joint.notice.issuerNames).toEqual(['国家发展改革委', '国家数据局']);
    const four = parseDetail(savedPage(N34), N34);
    expect(four.ok && four.notice.issuerNames).toEqual(['财政部', '工业和信息化部', '科技部', '发展改革委']);
    expect(four.ok && four.notice.docNumber).toBeNull();
  });

  it('reads the attachment block outside the text as absolute URLs', () => {
    const result = parseDetail(savedPage(N31), N31);
    expect(result.ok && result.notice.attachments).toEqual([
      { name: '公共数据资源登记管理暂行办法.pdf', url: 'https://www.ndrc.gov.cn/xxgk/zcfb/ghxwj/202501/P020250113614523880154.pdf' },
    ]);
    expect(result.ok && result.notice.bodyText).not.toContain('公共数据资源登记管理暂行办法.pdf');
  });

  it('reads orders and announcements numbered in parentheses', () => {
    const url = 'https://www.ndrc.gov.cn/xxgk/zcfb/fzggwl/202301/t20230110_1345678.html';
    const html = savedPage(N27)
      .replace(/<meta name="ArticleTitle"[^>]*>/, '<meta name="ArticleTitle" content="中华人民共和国国家发展和改革委员会令（第1号）">');
    const result = parseDetail(html, url);
    expect(result.ok && result.notice.docNumber).toBe('第1号');
    expect(result.ok && result.notice.titleZh).toBe('中华人民共和国国家发展和改革委员会令');
    expect(result.ok && result.notice.docType).toBe('令');
    const gg = parseDetail(html.replace('会令（第1号）', '会公告（2023年第1号）'), url.replace('fzggwl', 'gg'));
    expect(gg.ok && gg.notice.docNumber).toBe('2023年第1号');
    expect(gg.ok && gg.notice.docType).toBe('公告');
  });

  it('falls back from the meta tags to the page and the list item; bad dates are warnings', () => {
    const noMeta = savedPage(N02).replace(/<meta name="(ArticleTitle|PubDate|ContentSource)"[^>]*>/g, '');
    const result = parseDetail(noMeta, N02);
    expect(result.ok && result.notice.titleZh).toBe('国家发展改革委关于延长阶段性降低企业用电成本政策的通知');
    expect(result.ok && result.notice.docNumber).toBe('发改价格〔2020〕994号');
    expect(result.ok && result.notice.publishedDate).toBe('2020-06-28'); // 发布时间：2020/06/28
    expect(result.ok && result.notice.origin).toBe('价格司'); // 来源：价格司
    const bare = noMeta.replace(/<div class="ly">[\s\S]*?<\/div>/, '');
    const item: ListItem = { url: N02, column: 'tz', title: null, date: '2020-06-29' };
    expect(parseDetail(bare, N02, item)).toMatchObject({ ok: true, notice: { publishedDate: '2020-06-29' } });
    const bad = parseDetail(savedPage(N02).replace('2020-06-28 17:45:33', '2020-06-31 17:45:33'), N02);
    expect(bad.ok && bad.notice.publishedDate).toBe('2020-06-28');
    expect(bad.ok && bad.warnings.join(' ')).toMatch(/PubDate "2020-06-31 17:45:33" is not a valid date/);
  });

  it('returns typed problems: challenge, list page, no title', () => {
    const rs = '<html><head><meta content="{qqqqqqq.abc" r="m"><script>$_ts=window[\'$_ts\'];</script></head><body></body></html>';
    expect(parseDetail(rs, N02)).toMatchObject({ ok: false, problem: { code: 'challenge' } });
    expect(parseDetail(savedPage(column('tz').first.url), N02)).toMatchObject({ ok: false, problem: { code: 'not_a_notice' } });
    expect(parseDetail('<html><head></head><body><div class="TRS_Editor"><p>x</p></div></body></html>', N02)).toMatchObject({ ok: false, problem: { code: 'no_title' } });
  });

  it('describes itself', () => {
    expect(source.id).toBe('ndrc');
    expect(source.baseUrl).toBe('https://www.ndrc.gov.cn');
    expect(source.columns.map((c) => c.id)).toEqual(['tz', 'ghxwj', 'gg', 'fzggwl']);
    expect(source.schedule.split(' ')).toHaveLength(5);
    expect(isDetailUrl(N02)).toBe(true);
    expect(isDetailUrl('http://www.ndrc.gov.cn/xxgk/zcfb/tz/202206/t20220601_1326719_ext.html')).toBe(true);
    expect(isDetailUrl('https://www.ndrc.gov.cn/xxgk/jd/jd/202006/t20200629_1232300.html')).toBe(false);
    expect(isDetailUrl('https://www.ndrc.gov.cn/xxgk/zcfb/tz/202006/P020200628397826125741.pdf')).toBe(false);
    expect(isDetailUrl('https://www.ndrc.gov.cn/xxgk/zcfb/tz/')).toBe(false);
    expect(canonicalUrl('http://ndrc.gov.cn/xxgk/zcfb/tz/202006/t20200628_1232229.html')).toBe(N02);
  });
});

describe('ndrc mirror over HTTP', () => {
  let mirror: MirrorServer;
  beforeAll(async () => {
    mirror = await startMirrorServer(mirrorRoot);
  });
  afterAll(async () => {
    await mirror?.close();
  });
  const local = (url: string) => url.replace('https://www.ndrc.gov.cn', mirror.origin);

  it('serves every column, every listed page (one 404) and robots.txt', async () => {
    expect((await fetch(local('https://www.ndrc.gov.cn/robots.txt'))).status).toBe(200);
    const statuses = new Map<string, number>();
    for (const col of columns) {
      let request: ListRequest | null = col.first;
      while (request) {
        const res = await fetch(local(request.url));
        expect(res.status, request.url).toBe(200);
        const page = parseList(await res.text(), request, col);
        for (const item of page.items) {
          const detail = await fetch(local(item.url));
          statuses.set(item.url, detail.status);
          if (detail.status === 200) expect(parseDetail(await detail.text(), item.url, item).ok, item.url).toBe(expected[item.url].ok);
        }
        request = page.next;
      }
    }
    const missing = [...statuses].filter(([, s]) => s === 404).map(([u]) => u);
    expect(missing).toEqual(pageUrls.filter((u) => expected[u].reason === 'http 404'));
  });
});

describe('ndrc parsers never throw on bad input', () => {
  const sample = savedPage(N31);
  const listSample = savedPage(column('tz').first.url);
  const shuffled = (text: string, seed: number) => {
    const lines = text.split('\n');
    let s = seed || 1;
    for (let i = lines.length - 1; i > 0; i--) {
      s = (s * 1103515245 + 12345) % 2147483648;
      const j = s % (i + 1);
      [lines[i], lines[j]] = [lines[j]!, lines[i]!];
    }
    return lines.join('\n');
  };
  const inputs = (text: string) =>
    fc.oneof(
      fc.string(),
      fc.nat(text.length).map((n) => text.slice(0, n) + (n % 2 ? '</html>' : '')),
      fc.nat().map((seed) => shuffled(text, seed)),
    );

  it('parseDetail: a notice or a typed problem', () => {
    fc.assert(
      fc.property(inputs(sample), (html) => {
        const result = parseDetail(html, N31);
        if (result.ok) expect(result.notice.titleZh.length).toBeGreaterThan(0);
        else expect(['truncated', 'no_title', 'no_body', 'not_a_notice', 'challenge', 'malformed']).toContain(result.problem.code);
      }),
      { numRuns: 300 },
    );
  });

  it('parseList: a page or a ListLayoutError', () => {
    const tz = column('tz');
    fc.assert(
      fc.property(inputs(listSample), (body) => {
        try {
          const page = parseList(body, tz.first, tz);
          for (const item of page.items) expect(isDetailUrl(item.url)).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(ListLayoutError);
        }
      }),
      { numRuns: 300 },
    );
  });
});
