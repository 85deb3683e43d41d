import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { decodeBody } from '../../src/http/charset.js';
import { type ListItem, ListLayoutError, type ListRequest } from '../source.js';
import source, { canonicalUrl, columns, isDetailUrl, labelledLine, parseDetail, parseList, signature, titleIssuers } from './index.js';
import { noSpace, sourceFixtures } from '../../test/support/source-fixtures.js';

const here = dirname(fileURLToPath(import.meta.url));
const { expected, pageUrls, fileOf, savedPage } = sourceFixtures(here, 'www.mofcom.gov.cn');
const zcfb = columns.find((c) => c.id === 'zcfb')!;
const legacy = columns.find((c) => c.id === 'article-b')!;

/** Follows `next` from the column's first page to the end. */
function readColumn(column = zcfb) {
  const pages: Array<{ request: ListRequest; items: ListItem[] }> = [];
  let request: ListRequest | null = column.first;
  while (request && pages.length < 10) {
    const page = parseList(savedPage(request.url), request, column);
    pages.push({ request, items: page.items });
    request = page.next;
  }
  return pages;
}

const CODES: Record<string, string> = { 'no title': 'no_title', truncated: 'truncated', 'no body': 'no_body', 'not a notice': 'not_a_notice' };

describe('mofcom lists', () => {
  it('pages through 政策发布 to the end: 下一页 link, then the page count, then no next page', () => {
    const pages = readColumn();
    expect(pages.map((p) => new URL(p.request.url).pathname)).toEqual(['/zcfb/index.html', '/zcfb/index_2.html', '/zcfb/index_3.html']);
    for (const p of pages) expect(p.items).toHaveLength(expected._lists.items_per_page[new URL(p.request.url).pathname.slice(1)]);
    const items = pages.flatMap((p) => p.items);
    expect(items).toHaveLength(expected._lists.zcfb);
    for (const item of items) {
      expect(item.url).toMatch(/^https:\/\/www\.mofcom\.gov\.cn\/zcfb\/[a-z]+\/art\/\d{4}\/art_[0-9a-f]{32}\.html$/);
      expect(isDetailUrl(item.url)).toBe(true);
      expect(item.column).toBe('zcfb');
      expect(item.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(item.title).toBeTruthy();
      expect(expected[item.url], item.url).toBeDefined();
    }
    // every zcfb page of the oracle is listed, including the one that is missing (404)
    const listed = new Set(items.map((i) => i.url));
    for (const url of pageUrls.filter((u) => u.includes('/zcfb/'))) expect(listed.has(url), url).toBe(true);
  });

  it('drops 解读 rows, the 政策解读 link inside a row, a file listed as a row and external links', () => {
    const html = savedPage(zcfb.first.url);
    expect(html).toContain('/zcjd/art/');
    expect(html).toContain('政策解读</a>');
    const items = readColumn().flatMap((p) => p.items);
    expect(items.some((i) => /zcjd|\.xlsx$|gov\.cn\/zhengce/.test(i.url))).toBe(false);
    expect(items.some((i) => /解读/.test(i.title ?? ''))).toBe(false);
    // the row with a 政策解读 link still yields its notice, with the notice's own title
    const first = parseList(html, zcfb.first, zcfb).items[1]!;
    expect(first.title).toBe('财政部 税务总局关于增值税小规模纳税人减免增值税政策的公告');
    expect(readFileSync(fileOf('https://www.mofcom.gov.cn/zcfb/index_2.html'), 'utf8')).toMatch(/\.xlsx" target/);
    expect(readFileSync(fileOf('https://www.mofcom.gov.cn/zcfb/index_3.html'), 'utf8')).toContain('https://www.gov.cn/zhengce/');
  });

  it('canonicalises http:// and bare-domain links to https://www.mofcom.gov.cn', () => {
    const items = readColumn().flatMap((p) => p.items);
    const raw = readFileSync(fileOf('https://www.mofcom.gov.cn/zcfb/index_2.html'), 'utf8');
    const http = /href="(http:\/\/www\.mofcom\.gov\.cn\/zcfb\/[^"]+)"/.exec(raw)![1]!;
    expect(items.map((i) => i.url)).toContain(http.replace('http://', 'https://'));
    expect(canonicalUrl('http://mofcom.gov.cn/zcfb/zc/art/2020/art_x.html')).toBe('https://www.mofcom.gov.cn/zcfb/zc/art/2020/art_x.html');
    expect(canonicalUrl('http://tfs.mofcom.gov.cn/article/x.shtml')).toBe('http://tfs.mofcom.gov.cn/article/x.shtml');
  });

  it('reads the legacy /article/ list (.txtList_01 li, separator rows, other hosts dropped)', () => {
    const pages = readColumn(legacy);
    expect(pages).toHaveLength(1);
    const items = pages[0]!.items;
    expect(items).toHaveLength(expected._lists['article-b']);
    expect(items.map((i) => i.date)).toEqual(['2020-05-13', '2020-02-08']);
    for (const item of items) {
      expect(item.url).toMatch(/^https:\/\/www\.mofcom\.gov\.cn\/article\/b\/c\/\d{6}\/\d{14}\.shtml$/);
      expect(item.column).toBe('article-b');
    }
  });

  it('reports a page that is not a list of this source', () => {
    expect(() => parseList('<html><head><title>系统维护中</title></head><body>系统维护中，请稍后访问</body></html>', zcfb.first, zcfb)).toThrow(ListLayoutError);
    expect(() => parseList('<html><body>系统维护中</body></html>', zcfb.first, zcfb)).toThrow(/no list rows.*系统维护中/);
    expect(() => parseList('{"data":{"html":""}}', zcfb.first, zcfb)).toThrow(ListLayoutError);
    expect(() => parseList('', zcfb.first, zcfb)).toThrow(ListLayoutError);
  });

  it('keeps an item whose list date is unreadable (date null)', () => {
    const html = '<ul class="policy-list f-mt20"><li><a href="/zcfb/zc/art/2020/art_0123456789abcdef0123456789abcdef.html">商务部公告</a><span>2020-13-45</span></li></ul>';
    expect(parseList(html, zcfb.first, zcfb)).toEqual({
      items: [{ url: 'https://www.mofcom.gov.cn/zcfb/zc/art/2020/art_0123456789abcdef0123456789abcdef.html', column: 'zcfb', title: '商务部公告', date: null }],
      next: null,
    });
  });
});

describe('mofcom detail pages (saved pages against expected.json)', () => {
  it('has the cases that matter', () => {
    const reasons = pageUrls.map((u) => (expected[u].ok ? 'ok' : expected[u].reason));
    expect(reasons.filter((r) => r === 'ok').length).toBeGreaterThanOrEqual(8);
    for (const r of ['no body', 'truncated', 'not a notice', 'http 404']) expect(reasons).toContain(r);
    const missing = pageUrls.filter((u) => expected[u].reason === 'http 404');
    for (const u of missing) expect(existsSync(fileOf(u))).toBe(false);
  });

  it.each(pageUrls.filter((u) => existsSync(fileOf(u))))('%s', (url) => {
    const want = expected[url];
    const result = parseDetail(savedPage(url), url);
    if (!want.ok) {
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.problem.code).toBe(CODES[want.reason]);
      expect(result.problem.message.length).toBeGreaterThan(5);
      if (want.redirect_to) expect(result.problem.message).toContain(want.redirect_to);
      return;
    }
    expect(result.ok).toBe(true);
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
    expect(n.validity).toBe(want.validity);
    expect(n.attachments).toEqual(want.attachments);
    expect(noSpace(n.bodyText).startsWith(noSpace(want.body_starts_with))).toBe(true);
    expect(noSpace(n.bodyText).endsWith(noSpace(want.body_ends_with))).toBe(true);
    expect(n.bodyText.split('\n')).toHaveLength(want.body_paragraphs);
    for (const chrome of want.body_must_not_contain ?? []) expect(n.bodyText).not.toContain(chrome);
    expect(n.bodyHtml).toBeTruthy();
    expect(result.warnings).toEqual([]);
  });

  it('reads the metadata lines by label in every form: one per line, several on one line, half-width colons, table cells', () => {
    expect(labelledLine('发布单位：财政部 税务总局')).toEqual([['发布单位', '财政部 税务总局']]);
    expect(labelledLine('【发布单位】财政部 税务总局 【发布文号】财政部 税务总局公告2022年第20号 【发文日期】2022年5月31日')).toEqual([
      ['发布单位', '财政部 税务总局'],
      ['发布文号', '财政部 税务总局公告2022年第20号'],
      ['发文日期', '2022年5月31日'],
    ]);
    expect(labelledLine('发文日期: 2020年2月28日')).toEqual([['发文日期', '2020年2月28日']]);
    expect(labelledLine('根据《公告》发布单位：x')).toBeNull();
    const templates = new Set<string>();
    for (const url of pageUrls.filter((u) => expected[u].ok)) {
      const html = savedPage(url);
      if (html.includes('【发布单位】')) templates.add('brackets');
      if (html.includes('<p class="zcfb-meta">发布单位：')) templates.add('lines');
      if (html.includes('<p>发布单位: ')) templates.add('ascii');
      if (html.includes('class="zcfb-info"')) templates.add('table');
    }
    expect(templates).toEqual(new Set(['brackets', 'lines', 'ascii', 'table']));
  });

  it('takes 文号 from the title when the page has no 发布文号, and strips it from the title', () => {
    const url = pageUrls.find((u) => expected[u].doc_number === '税委会公告〔2020〕4号' && u.includes('/zcfb/'))!;
    const html = savedPage(url);
    expect(html).toContain('content="国务院关税税则委员会关于第二批对美加征关税商品第二次排除清单的公告（税委会公告〔2020〕4号）"');
    expect(html).not.toContain('发布文号');
    const result = parseDetail(html, url);
    expect(result.ok && [result.notice.titleZh, result.notice.docNumber]).toEqual([
      '国务院关税税则委员会关于第二批对美加征关税商品第二次排除清单的公告',
      '税委会公告〔2020〕4号',
    ]);
  });

  it('falls back from the meta tags to <h1>, the info line and the list item', () => {
    const url = pageUrls.find((u) => expected[u].doc_number === '财政部 税务总局公告2023年第19号')!;
    const html = savedPage(url).replace(/<meta name="(ArticleTitle|PubDate|ContentSource)"[^>]*>/g, '');
    const result = parseDetail(html, url);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.notice.titleZh).toBe(expected[url].title_zh);
    expect(result.notice.publishedDate).toBe('2023-08-03');
    expect(result.notice.origin).toBe('财政部网站');
    const bare = html.replace(/<div class="art-info[\s\S]*?<\/div>/, '');
    const item: ListItem = { url, column: 'zcfb', title: '列表标题', date: '2023-08-04' };
    const fromItem = parseDetail(bare, url, item);
    expect(fromItem.ok && fromItem.notice.publishedDate).toBe('2023-08-04');
  });

  it('keeps a notice whose 发文日期 is impossible: written_date null and a warning', () => {
    const url = pageUrls.find((u) => expected[u].doc_number === '财政部 税务总局公告2020年第13号')!;
    const result = parseDetail(savedPage(url).replace('发文日期: 2020年2月28日', '发文日期: 2020年2月30日'), url);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.notice.writtenDate).toBeNull();
    expect(result.warnings.join(' ')).toMatch(/发文日期 "2020年2月30日" is not a valid date/);
  });

  it('names the 商务部 itself when neither the page nor the title names an issuer', () => {
    const url = pageUrls.find((u) => expected[u].doc_number === '财政部 税务总局公告2020年第13号')!;
    const html = savedPage(url)
      .replace(/<p>发布单位: [^<]*<\/p>/, '')
      .replaceAll('财政部 税务总局关于支持个体工商户复工复业增值税政策的公告', '关于支持个体工商户复工复业增值税政策的公告');
    const result = parseDetail(html, url);
    expect(result.ok && result.notice.issuerNames).toEqual(['商务部']);
  });

  it('reads joint issuers written as “X等部门” from the signature block', () => {
    expect(titleIssuers('财政部 税务总局关于二手车经销有关增值税政策的公告')).toEqual({ names: ['财政部', '税务总局'], others: false });
    expect(titleIssuers('国家数据局等部门关于印发《“数据要素×”三年行动计划(2024—2026年)》的通知')).toEqual({ names: ['国家数据局'], others: true });
    expect(titleIssuers('关于印发《“十四五”环境健康工作规划》的通知')).toEqual({ names: [], others: false });
    expect(titleIssuers('商务部 海关总署公告2024年第1号 关于x的公告')).toEqual({ names: [], others: false });
    const notice = JSON.parse(readFileSync(join(here, '..', '..', 'archive', 'notices', '18.json'), 'utf8'));
    const lines = notice.body.split('\n');
    expect(signature(lines)).toEqual({ names: notice.issuers, date: '2023年12月31日' });
    const url = 'https://www.mofcom.gov.cn/zcfb/zc/art/2024/art_0123456789abcdef0123456789abcdef.html';
    const html = `<html><head><meta name="ArticleTitle" content="${notice.title}"><meta name="PubDate" content="2024-01-05 10:00"></head><body>
<div class="art-con art-con-bottonmLine">${lines.map((l: string) => `<p>${l}</p>`).join('')}</div></body></html>`;
    const result = parseDetail(html, url);
    expect(result.ok && result.notice.issuerNames).toEqual(notice.issuers);
    expect(result.ok && result.notice.writtenDate).toBe('2023-12-31');
  });

  it('reports a body that is only an iframe and a page with no title anywhere', () => {
    const url = 'https://www.mofcom.gov.cn/article/b/c/202001/20200102930001.shtml';
    const iframe = parseDetail('<html><head><title>公告_商务部</title></head><body><div class="art-con"><iframe src="/x/table.html"></iframe></div></body></html>', url);
    expect(iframe).toEqual({ ok: false, problem: { code: 'no_body', message: 'the body is an iframe (https://www.mofcom.gov.cn/x/table.html)' } });
    const noTitle = parseDetail('<html><head></head><body><div class="art-con"><p>正文</p></div></body></html>', url);
    expect(noTitle.ok || noTitle.problem.code).toBe('no_title');
  });

  it('decodes a GBK-encoded page through its <meta charset> and parses it', () => {
    const url = pageUrls.find((u) => expected[u].template === 'legacy')!;
    const html = savedPage(url).replace('charset=utf-8', 'charset=gb2312');
    const bytes = new Uint8Array(iconv.encode(html, 'gbk'));
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();
    const decoded = decodeBody(bytes, 'text/html', true);
    expect(decoded.charset).toBe('gb18030');
    const result = parseDetail(decoded.text, url);
    expect(result.ok && result.notice.titleZh).toBe(expected[url].title_zh);
    expect(result.ok && result.notice.docNumber).toBe('发改价格〔2020〕258号');
  });

  it('describes itself', () => {
    expect(source.id).toBe('mofcom');
    expect(source.baseUrl).toBe('https://www.mofcom.gov.cn');
    expect(source.columns.map((c) => c.id)).toEqual(['zcfb', 'article-b']);
    expect(source.columns.every((c) => c.first.url.startsWith('https://www.mofcom.gov.cn/') && c.first.expect === 'html')).toBe(true);
    expect(source.schedule).toMatch(/^\d+ \d+-\d+ \* \* 1-5$/);
    expect(source.needsBrowser).toBeFalsy();
    expect(isDetailUrl('https://www.mofcom.gov.cn/zcfb/zc/art/2026/art_97e72afd4b7f41dab15603c723ea46a9.html')).toBe(true);
    expect(isDetailUrl('https://www.mofcom.gov.cn/article/b/c/202005/20200502964046.shtml')).toBe(true);
    expect(isDetailUrl('https://www.mofcom.gov.cn/zcfb/index_2.html')).toBe(false);
    expect(isDetailUrl('https://www.mofcom.gov.cn/zcjd/art/2023/art_97e72afd4b7f41dab15603c723ea46a9.html')).toBe(false);
    expect(isDetailUrl('https://www.mofcom.gov.cn/zcfb/zc/art/2019/P020190912170103587983.pdf')).toBe(false);
    expect(isDetailUrl('http://www.mofcom.gov.cn/zcfb/zc/art/2026/art_97e72afd4b7f41dab15603c723ea46a9.html')).toBe(false);
  });
});

describe('mofcom parsers never throw on bad input', () => {
  const sample = savedPage(pageUrls.find((u) => expected[u].doc_number === '税委会公告〔2019〕6号')!);
  const list = savedPage(zcfb.first.url);
  const cut = (text: string) => fc.nat(text.length).map((n) => text.slice(0, n) + (n % 2 ? '</html>' : ''));
  const shuffled = (text: string) =>
    fc.shuffledSubarray(text.split('\n'), { minLength: 0 }).map((lines) => lines.join('\n'));

  it('parseDetail returns a notice or a typed problem', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), cut(sample), shuffled(sample)), (html) => {
        const result = parseDetail(html, 'https://www.mofcom.gov.cn/zcfb/zc/art/2020/art_0123456789abcdef0123456789abcdef.html');
        if (result.ok) expect(result.notice.titleZh.length).toBeGreaterThan(0);
        else expect(['truncated', 'no_title', 'no_body', 'malformed', 'not_a_notice']).toContain(result.problem.code);
      }),
      { numRuns: 300 },
    );
  });

  it('parseList returns a page or throws ListLayoutError, nothing else', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), cut(list), shuffled(list)), (body) => {
        try {
          const page = parseList(body, zcfb.first, zcfb);
          for (const item of page.items) expect(isDetailUrl(item.url)).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(ListLayoutError);
        }
      }),
      { numRuns: 300 },
    );
  });
});
