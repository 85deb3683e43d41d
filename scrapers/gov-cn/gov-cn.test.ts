import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBody } from '../../src/http/charset.js';
import { ListLayoutError } from '../source.js';
import source, { columns, isDetailUrl, parseDetail, parseList } from './index.js';
import { noSpace, sourceFixtures } from '../../test/support/source-fixtures.js';

const here = dirname(fileURLToPath(import.meta.url));
const { expected, pageUrls, fileOf, savedPage } = sourceFixtures(here, 'www.gov.cn');

describe('gov-cn list feeds', () => {
  it.each(columns.map((c) => [c.id, c] as const))('parses the %s feed', (id, column) => {
    const body = readFileSync(fileOf(column.first.url), 'utf8');
    const page = parseList(body, column.first, column);
    expect(page.items).toHaveLength(expected._feeds[id]);
    expect(page.next).toBeNull();
    for (const item of page.items) {
      expect(item.url).toMatch(/^https:\/\/www\.gov\.cn\/zhengce\//);
      expect(isDetailUrl(item.url)).toBe(true);
      expect(item.column).toBe(id);
      expect(item.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  });

  it('strips a byte-order mark and keeps items whose date is unreadable', () => {
    const body = '\uFEFF[{"TITLE":"关于X的通知","URL":"http://www.gov.cn/zhengce/content/202001/content_1.htm","DOCRELPUBTIME":"2020-13-01"}]';
    const page = parseList(body, columns[0]!.first, columns[0]!);
    expect(page.items).toEqual([
      { url: 'https://www.gov.cn/zhengce/content/202001/content_1.htm', column: 'gwywj', title: '关于X的通知', date: null },
    ]);
  });

  it('reports a feed that is not a JSON array of items', () => {
    expect(() => parseList('<html>maintenance</html>', columns[0]!.first, columns[0]!)).toThrow(ListLayoutError);
    expect(() => parseList('{"a":1}', columns[0]!.first, columns[0]!)).toThrow(/expected a JSON array/);
    expect(() => parseList('[{"title":"x"}]', columns[0]!.first, columns[0]!)).toThrow(/none has a URL/);
  });
});

describe('gov-cn detail pages (saved pages against expected.json)', () => {
  it.each(pageUrls.filter((u) => existsSync(fileOf(u))))('%s', (url) => {
    const want = expected[url];
    const result = parseDetail(savedPage(url), url);
    if (!want.ok) {
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.problem.message.length).toBeGreaterThan(5);
      const code = { 'no title': 'no_title', truncated: 'truncated', 'no body': 'no_body' }[want.reason as string];
      if (!result.ok) expect(result.problem.code).toBe(code);
      return;
    }
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const n = result.notice;
    expect(n.titleZh).toBe(want.title_zh);
    expect(n.docNumber).toBe(want.doc_number);
    expect(n.docType).toBe(want.doc_type);
    expect(n.writtenDate).toBe(want.written_date);
    expect(n.publishedDate).toBe(want.published_date);
    expect(n.topicZh).toBe(want.topic_zh);
    expect(n.attachments).toEqual(want.attachments);
    // news-style pages have no 发文机关; normalisation reads the issuers from the title
    if (want.template !== 'news') expect(n.issuerNames).toEqual(want.issuers);
    expect(noSpace(n.bodyText).startsWith(noSpace(want.body_starts_with))).toBe(true);
    expect(noSpace(n.bodyText).endsWith(noSpace(want.body_ends_with))).toBe(true);
    for (const chrome of want.body_must_not_contain ?? []) expect(n.bodyText).not.toContain(chrome);
    if (want.warning) expect(result.warnings.join(' ')).toMatch(/成文日期 .*not a valid date/);
    else expect(result.warnings).toEqual([]);
  });

  it('reads both table templates by label: policy library and legacy table.bd1', () => {
    const templates = new Set(pageUrls.filter((u) => expected[u].ok).map((u) => expected[u].template));
    expect(templates).toEqual(new Set(['policyLibraryOverview_header', 'table.bd1', 'news']));
  });

  it('decodes the GBK page through its <meta charset> and parses it', () => {
    const url = 'https://www.gov.cn/zhengce/zhengceku/2020-02/28/content_5484631.htm';
    const bytes = new Uint8Array(readFileSync(fileOf(url)));
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();
    const decoded = decodeBody(bytes, 'text/html', true);
    expect(decoded.charset).toBe('gb18030');
    const result = parseDetail(decoded.text, url);
    expect(result.ok && result.notice.titleZh).toBe(expected[url].title_zh);
    expect(result.ok && result.notice.issuerNames).toEqual(['财政部', '税务总局']);
  });

  it('takes the first (desktop) body when the page carries a second, mobile copy', () => {
    for (const url of ['https://www.gov.cn/zhengce/zhengceku/202308/content_6896070.htm', 'https://www.gov.cn/zhengce/zhengceku/202401/content_6924596.htm']) {
      const html = savedPage(url);
      expect(html.match(/id="UCAP-CONTENT"/g)?.length).toBe(2);
      const result = parseDetail(html, url);
      expect(result.ok).toBe(true);
      if (result.ok) expect(noSpace(result.notice.bodyText).endsWith(noSpace(expected[url].body_ends_with))).toBe(true);
    }
  });

  it('finds attachments inside the body and the library’s /files/ links outside it, not ordinary links', () => {
    const inside = parseDetail(savedPage('https://www.gov.cn/zhengce/content/2019-09/11/content_5429296.htm'), 'https://www.gov.cn/zhengce/content/2019-09/11/content_5429296.htm');
    expect(inside.ok && inside.notice.attachments.map((a) => a.url.split('.').pop())).toEqual(['pdf', 'docx']);
    const outside = parseDetail(savedPage('https://www.gov.cn/zhengce/zhengceku/2020-05/12/content_5510932.htm'), 'https://www.gov.cn/zhengce/zhengceku/2020-05/12/content_5510932.htm');
    expect(outside.ok && outside.notice.attachments).toHaveLength(1);
    expect(outside.ok && outside.notice.attachments[0]!.url).toMatch(/\/files\/[0-9a-f]{32}\.xlsx$/);
  });

  it('keeps missing fields null and infers the type from the title', () => {
    const url = 'https://www.gov.cn/zhengce/zhengceku/2020-06/28/content_5522280.htm';
    const html = savedPage(url)
      .replace(/<td[^>]*><b>发文字号：<\/b><\/td>\s*<td[^>]*>[^<]*<\/td>/, '')
      .replace(/<td[^>]*><b>公文种类：<\/b><\/td>\s*<td[^>]*>[^<]*<\/td>/, '')
      .replace(/<td[^>]*><b>成文日期：<\/b><\/td>\s*<td[^>]*>[^<]*<\/td>/, '');
    const result = parseDetail(html, url);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.notice.docNumber).toBeNull();
    expect(result.notice.writtenDate).toBeNull();
    expect(result.notice.docType).toBe('通知');
    expect(result.notice.publishedDate).toBe('2020-06-28');
  });

  it('reads firstpublishedtime in all three forms when the table has no 发布日期', () => {
    const url = 'https://www.gov.cn/zhengce/zhengceku/2020-06/28/content_5522280.htm';
    const base = savedPage(url).replace(/<td[^>]*><b>发布日期：<\/b><\/td>\s*<td[^>]*>[^<]*<\/td>/, '');
    for (const value of ['2020-07-09-17:00:05', '2020-07-09 17:00:05', '2020-07-09']) {
      const html = base.replace(/<meta name='firstpublishedtime' content="[^"]*">/, `<meta name='firstpublishedtime' content="${value}">`);
      const result = parseDetail(html, url);
      expect(result.ok && result.notice.publishedDate).toBe('2020-07-09');
    }
  });

  it('describes itself', () => {
    expect(source.id).toBe('gov-cn');
    expect(source.columns.map((c) => c.id)).toEqual(['gwywj', 'bmwj']);
    expect(isDetailUrl('https://www.gov.cn/zhengce/content/202007/content_5525564.htm')).toBe(true);
    expect(isDetailUrl('https://www.gov.cn/zhengce/zhengceku/2020-06/28/content_5522280.htm')).toBe(true);
    expect(isDetailUrl('https://www.gov.cn/xinwen/2020-06/28/content_1.htm')).toBe(false);
  });

  it('never throws on arbitrary or cut-up pages: a notice or a typed problem', () => {
    const sample = savedPage('https://www.gov.cn/zhengce/zhengceku/2020-06/28/content_5522280.htm');
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.nat(sample.length).map((n) => sample.slice(0, n) + (n % 2 ? '</html>' : ''))), (html) => {
        const result = parseDetail(html, 'https://www.gov.cn/zhengce/content/202001/content_1.htm');
        if (result.ok) expect(result.notice.titleZh.length).toBeGreaterThan(0);
        else expect(['truncated', 'no_title', 'no_body', 'malformed']).toContain(result.problem.code);
      }),
      { numRuns: 300 },
    );
  });
});
