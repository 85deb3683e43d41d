import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { decodeBody } from '../../src/http/charset.js';
import { type MirrorServer, startMirrorServer } from '../../test/support/mirror-server.js';
import { ListLayoutError, type SourceColumn } from '../source.js';
import source, { columns, isDetailUrl, issuersFromTitle, parseDetail, parseList, readProxyParams, recordFragments } from './index.js';
import { listPages, noSpace, sourceFixtures } from '../../test/support/source-fixtures.js';

const here = dirname(fileURLToPath(import.meta.url));
const { mirror, expected, pageUrls, fileOf: mirrorFile, savedPage } = sourceFixtures(here, 'www.nhsa.gov.cn');
const col104 = columns.find((c) => c.id === 'col104')!;
const col109 = columns.find((c) => c.id === 'col109')!;

/** Reads a saved answer the way the HTTP client would: bytes, then charset from <meta>. */
function saved(url: string): string {
  return savedPage(url, null);
}

/** Follows a column from its first page to the end, as the scrape runner does. */
const readColumn = (column: SourceColumn) => listPages(parseList, (r) => saved(r.url), column);

const NHSA_FORM =
  'col=1&appid=1&webid=1&path=%2F&columnid=104&sourceContentType=1&unitid=2464&webname=%E5%9B%BD%E5%AE%B6%E5%8C%BB%E7%96%97%E4%BF%9D%E9%9A%9C%E5%B1%80&permissiontype=0';

describe('nhsa lists: CDATA datastore on the column page, then POST dataproxy.jsp', () => {
  it('reads 政策法规 from the column page through two dataproxy pages to the end', () => {
    const pages = readColumn(col104);
    const want = expected._lists.col104;
    expect(pages).toHaveLength(1 + want.proxy_requests.length);
    expect(pages.map((p) => p.items.length)).toEqual(want.items_per_page);
    expect(pages.slice(1).map((p) => new URL(p.request.url).search.slice(1))).toEqual(want.proxy_requests);
    for (const { request } of pages.slice(1)) {
      expect(request).toMatchObject({
        method: 'POST',
        body: NHSA_FORM,
        contentType: 'application/x-www-form-urlencoded',
        headers: { Referer: 'https://www.nhsa.gov.cn/col/col104/index.html' },
        expect: 'html',
      });
      expect(new URL(request.url).pathname).toBe('/module/web/jpage/dataproxy.jsp');
    }
    const items = pages.flatMap((p) => p.items);
    expect(items).toHaveLength(want.items);
    for (const item of items) {
      expect(item.url).toMatch(/^https:\/\/www\.nhsa\.gov\.cn\/art\/\d{4}\/\d{1,2}\/\d{1,2}\/art_104_\d+\.html$/);
      expect(isDetailUrl(item.url)).toBe(true);
      expect(item.column).toBe('col104');
      expect(item.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(item.docNumber).toMatch(/〔\d{4}〕\d+号$/);
    }
    expect(items.map((i) => i.docNumber)).toEqual(['国数政策〔2023〕11号', '医保发〔2022〕22号', '国办发〔2020〕20号']);
  });

  it('filters the 解读 row, the file row and the row linking to www.gov.cn', () => {
    const raw = [col104.first.url, ...expected._lists.col104.proxy_requests.map((q: string) => `https://www.nhsa.gov.cn/module/web/jpage/dataproxy.jsp?${q}`)]
      .flatMap((u) => recordFragments(saved(u)));
    expect(raw).toHaveLength(expected._lists.col104.records);
    expect(raw.some((r) => r.includes('/art/2022/7/26/art_105_'))).toBe(true);
    expect(raw.some((r) => r.includes('/attach/0/'))).toBe(true);
    expect(raw.some((r) => r.includes('https://www.gov.cn/'))).toBe(true);
    const items = readColumn(col104).flatMap((p) => p.items);
    expect(items.some((i) => /art_105_|\/attach\/|gov\.cn\/zhengce/.test(i.url) || /解读|PDF版/.test(i.title ?? ''))).toBe(false);
  });

  it('reads 通知公告 (simple records, live paging settings 15 × 3) in one page, 文号 from a title', () => {
    const pages = readColumn(col109);
    expect(pages).toHaveLength(1);
    const items = pages[0]!.items;
    expect(items).toHaveLength(expected._lists.col109.items);
    expect(items.map((i) => i.date)).toEqual(['2022-12-26', '2020-07-10', '2020-01-23', '2020-01-21']);
    const withNumber = items.find((i) => i.url.endsWith('art_109_2341.html'))!;
    expect(withNumber.title).toBe('国家医疗保障局 财政部关于做好新型冠状病毒感染的肺炎疫情医疗保障的通知');
    expect(withNumber.docNumber).toBe('国医保电〔2020〕5号');
    expect(items.filter((i) => !existsSync(mirrorFile(i.url))).map((i) => i.url)).toEqual(
      pageUrls.filter((u) => expected[u].reason === 'http 404'),
    );
  });

  it('asks for the groups the live site asks for (startrecord=46&endrecord=90&perpage=15) and stops at totalrecord', () => {
    const li = (n: number) =>
      `<record><![CDATA[\n<li><span>2024-01-${String(n).padStart(5, '0')}</span><span><a href="/art/2024/1/5/art_104_${n}.html" title="通知${n}">通知${n}</a></span><span>医保发〔2024〕${n}号</span><span>2024-01-05</span></li>]]></record>`;
    const records = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => li(from + i)).join('\n');
    const columnPage = `<html><body><div id="2464"><script type="text/xml"><datastore><recordset>${records(1, 45)}</recordset></datastore></script></div>
<script>var param_2464 = {col:1,appid:1,webid:1,path:'/',columnid:104,sourceContentType:1,unitid:'2464',webname:'国家医疗保障局',permissiontype:0};
$('#2464').jpage({perPage:15,groupSize:3,totalRecord:100,proxyUrl:'/module/web/jpage/dataproxy.jsp'});</script></body></html>`;
    const first = parseList(columnPage, col104.first, col104);
    expect(first.items).toHaveLength(45);
    expect(first.next?.url).toBe('https://www.nhsa.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=46&endrecord=90&perpage=15');
    expect(first.next?.body).toBe(NHSA_FORM);
    const second = parseList(`<datastore><totalrecord>100</totalrecord><recordset>${records(46, 90)}</recordset></datastore>`, first.next!, col104);
    expect(second.next?.url).toBe('https://www.nhsa.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=91&endrecord=135&perpage=15');
    const last = parseList(`<datastore><totalrecord>100</totalrecord><recordset>${records(91, 100)}</recordset></datastore>`, second.next!, col104);
    expect(last.items).toHaveLength(10);
    expect(last.next).toBeNull();
    // without a total, a short group is the last one
    expect(parseList(`<datastore><recordset>${records(91, 100)}</recordset></datastore>`, second.next!, col104).next).toBeNull();
  });

  it('reads the form fields and unitid from the page script, with fallbacks', () => {
    const page = saved(col104.first.url);
    expect(Object.fromEntries(readProxyParams(page)!)).toEqual({
      col: '1', appid: '1', webid: '1', path: '/', columnid: '104', sourceContentType: '1', unitid: '2464', webname: '国家医疗保障局', permissiontype: '0',
    });
    // no param object: unitid from the <div id> around the datastore
    const noParams = page.replace(/var param_2464 = \{[^}]*\};/, '');
    expect(parseList(noParams, col104.first, col104).next?.body).toBe(NHSA_FORM);
    // no unitid anywhere although more records exist: a clear layout error
    const noUnit = noParams.replace('<div id="2464">', '<div>').replace(/&unitid=2464/g, '');
    expect(() => parseList(noUnit, col104.first, col104)).toThrow(/no unitid/);
  });

  it('reports bodies that are not a Hanweb list', () => {
    expect(() => parseList('<html><body>系统维护中，请稍后访问</body></html>', col104.first, col104)).toThrow(ListLayoutError);
    expect(() => parseList('{"list":[]}', col104.first, col104)).toThrow(/no <datastore>/);
    expect(() => parseList('<datastore><recordset><record><![CDATA[<li>无链接</li>]]></record></recordset></datastore>', col104.first, col104)).toThrow(/none has a link/);
    // an empty column is a list with no items
    expect(parseList('<datastore><recordset></recordset><totalrecord>0</totalrecord></datastore>', col104.first, col104)).toEqual({ items: [], next: null });
  });

  it('answers the dataproxy POST from the mirror file named <path>@<query>', async () => {
    const server: MirrorServer = await startMirrorServer(mirror);
    try {
      const q = expected._lists.col104.proxy_requests[0];
      const res = await fetch(`${server.origin}/module/web/jpage/dataproxy.jsp?${q}`, {
        method: 'POST',
        body: NHSA_FORM,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/xml');
      expect(recordFragments(await res.text())).toHaveLength(2);
    } finally {
      await server.close();
    }
  });
});

describe('nhsa detail pages (saved pages against expected.json)', () => {
  it.each(pageUrls.filter((u) => existsSync(mirrorFile(u))))('%s', (url) => {
    const want = expected[url];
    const result = parseDetail(saved(url), url);
    if (!want.ok) {
      expect(result.ok).toBe(false);
      const code = { truncated: 'truncated', 'no body': 'no_body', 'no title': 'no_title' }[want.reason as string];
      if (!result.ok) expect(result.problem.code).toBe(code);
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
    expect(n.indexNumber).toBe(want.index_number);
    expect(n.origin).toBe(want.origin);
    expect(n.attachments).toEqual(want.attachments);
    expect(noSpace(n.bodyText).startsWith(noSpace(want.body_starts_with))).toBe(true);
    expect(noSpace(n.bodyText).endsWith(noSpace(want.body_ends_with))).toBe(true);
    expect(n.bodyText.split('\n')).toHaveLength(want.body_paragraphs);
    for (const chrome of want.body_must_not_contain) expect(n.bodyText).not.toContain(chrome);
    expect(result.warnings).toEqual([]);
  });

  it('covers both templates and the error cases', () => {
    const ok = pageUrls.filter((u) => expected[u].ok);
    expect(new Set(ok.map((u) => expected[u].template))).toEqual(new Set(['policy', 'simple']));
    expect(pageUrls.filter((u) => !expected[u].ok).map((u) => expected[u].reason).sort()).toEqual(['http 404', 'no body', 'truncated']);
  });

  it('decodes pages through decodeBody: UTF-8 as served, and a GBK copy declaring gb2312', () => {
    const url = 'https://www.nhsa.gov.cn/art/2020/1/23/art_109_2341.html';
    const bytes = new Uint8Array(readFileSync(mirrorFile(url)));
    expect(decodeBody(bytes, 'text/html', true).charset).toBe('utf-8');
    const gbkHtml = saved(url).replace('charset=utf-8', 'charset=gb2312');
    const gbk = new Uint8Array(iconv.encode(gbkHtml, 'gbk'));
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(gbk)).toThrow();
    const decoded = decodeBody(gbk, 'text/html', true);
    expect(decoded.charset).toBe('gb18030');
    const result = parseDetail(decoded.text, url);
    expect(result.ok && result.notice.titleZh).toBe(expected[url].title_zh);
    expect(result.ok && result.notice.docNumber).toBe('国医保电〔2020〕5号');
  });

  it('prefers meta ArticleTitle, then span.mu-sp-2, then <h1>/<title>', () => {
    const url = 'https://www.nhsa.gov.cn/art/2020/1/23/art_109_2341.html';
    const noMeta = saved(url).replace(/<meta name="ArticleTitle"[^>]*>/, '');
    const a = parseDetail(noMeta, url);
    expect(a.ok && a.notice.titleZh).toBe(expected[url].title_zh);
    expect(a.ok && a.notice.docNumber).toBe('国医保电〔2020〕5号');
    const noSpan = noMeta.replace(/<span class="mu-sp-2">[^<]*<\/span>/, '');
    const b = parseDetail(noSpan, url);
    expect(b.ok && b.notice.titleZh).toBe(expected[url].title_zh);
    const nothing = noSpan.replace(/<title>[^<]*<\/title>/, '');
    const c = parseDetail(nothing, url);
    expect(c.ok).toBe(false);
    if (!c.ok) expect(c.problem.code).toBe('no_title');
  });

  it('keeps a page with an impossible 成文日期, with a warning', () => {
    const url = 'https://www.nhsa.gov.cn/art/2020/7/9/art_104_3241.html';
    const html = saved(url).replace('2020年06月30日', '2020年13月45日');
    const result = parseDetail(html, url);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.notice.writtenDate).toBeNull();
    expect(result.warnings.join(' ')).toMatch(/成文日期 "2020年13月45日" is not a valid date/);
  });

  it('falls back for the published date: meta PubDate, the info line, the URL path, the list', () => {
    const url = 'https://www.nhsa.gov.cn/art/2022/7/26/art_104_9089.html';
    let html = saved(url).replace(/<td class="xxgk-td1">发布日期：<\/td><td class="xxgk-td2">[^<]*<\/td>/, '');
    expect(parseDetail(html, url).ok && (parseDetail(html, url) as any).notice.publishedDate).toBe('2022-07-26');
    html = html.replace(/<meta name="PubDate"[^>]*>/, '').replace('发布时间：2022-07-26', '发布时间：');
    const fromPath = parseDetail(html, url);
    expect(fromPath.ok && fromPath.notice.publishedDate).toBe('2022-07-26');
    const other = 'https://www.nhsa.gov.cn/art/2022/7/26/x.html';
    const fromItem = parseDetail(html, other, { url: other, column: 'col104', title: null, date: '2022-07-27' });
    expect(fromItem.ok && fromItem.notice.publishedDate).toBe('2022-07-27');
  });

  it('reads issuers from 发布机构, else from the title opening, else the site', () => {
    expect(issuersFromTitle('国家医疗保障局 财政部关于做好新型冠状病毒感染的肺炎疫情医疗保障的通知')).toEqual(['国家医疗保障局', '财政部']);
    expect(issuersFromTitle('国家数据局等部门关于印发《“数据要素×”三年行动计划(2024—2026年)》的通知')).toEqual(['国家数据局']);
    expect(issuersFromTitle('关于做好2024年医疗保障工作的通知')).toBeNull();
    expect(issuersFromTitle('2024年度医疗保障事业发展统计快报')).toBeNull();
    const url = 'https://www.nhsa.gov.cn/art/2022/7/26/art_104_9089.html';
    const noField = saved(url).replace('<td class="xxgk-td2">国家医保局 财政部</td>', '<td class="xxgk-td2"></td>');
    const fromTitle = parseDetail(noField, url);
    expect(fromTitle.ok && fromTitle.notice.issuerNames).toEqual(['国家医保局', '财政部']);
    const untitled = noField.replace(/国家医保局 财政部关于进一步做好/g, '关于进一步做好');
    const site = parseDetail(untitled, url);
    expect(site.ok && site.notice.issuerNames).toEqual(['国家医疗保障局']);
  });

  it('takes documents from the body, /attach/ and down.jsp links, not page chrome', () => {
    const url = 'https://www.nhsa.gov.cn/art/2022/7/26/art_104_9089.html';
    const html = saved(url)
      .replace('</div><!--<$[信息内容]>end-->', '<p>附件：<a href="./P020220726.xlsx">名单.xlsx</a> <a href="/module/download/downfile.jsp?classid=0&amp;filename=b2.docx">表2</a></p></div><!--<$[信息内容]>end-->');
    const result = parseDetail(html, url);
    expect(result.ok && result.notice.attachments.map((a) => a.url)).toEqual([
      'https://www.nhsa.gov.cn/art/2022/7/26/P020220726.xlsx',
      'https://www.nhsa.gov.cn/module/download/downfile.jsp?classid=0&filename=b2.docx',
      'https://www.nhsa.gov.cn/attach/0/05ca1392cec73a288dc64c99eb432fc6.pdf',
    ]);
    // the footer's downfile.jsp?filename=site-guide.png is not a document
    expect(html).toContain('filename=site-guide.png');
  });

  it('tells a challenge page and a list page apart from a notice', () => {
    const url = 'https://www.nhsa.gov.cn/art/2024/1/5/art_104_1.html';
    const rs = parseDetail('<html><head><meta content="{qqqqqqhF.QBiHq7Yu"><script>$_ts=window["$_ts"];</script></head><body></body></html>', url);
    expect(!rs.ok && rs.problem.code).toBe('challenge');
    const jsl = parseDetail('<html><script>document.cookie="__jsl_clearance=1;"</script></html>', url);
    expect(!jsl.ok && jsl.problem.code).toBe('challenge');
    const list = parseDetail(saved(col104.first.url), url);
    expect(!list.ok && list.problem.code).toBe('not_a_notice');
  });

  it('describes itself', () => {
    expect(source.id).toBe('nhsa');
    expect(source.baseUrl).toBe('https://www.nhsa.gov.cn');
    expect(source.columns.map((c) => [c.id, c.nameZh, c.first.url])).toEqual([
      ['col104', '政策法规', 'https://www.nhsa.gov.cn/col/col104/index.html'],
      ['col109', '通知公告', 'https://www.nhsa.gov.cn/col/col109/index.html'],
    ]);
    expect(source.schedule.split(' ')).toHaveLength(5);
    expect(isDetailUrl('https://www.nhsa.gov.cn/art/2023/3/14/art_104_10255.html')).toBe(true);
    expect(isDetailUrl('https://www.nhsa.gov.cn/col/col104/index.html')).toBe(false);
    expect(isDetailUrl('https://www.nhsa.gov.cn/attach/0/a.pdf')).toBe(false);
    expect(isDetailUrl('https://www.gov.cn/art/2023/3/14/art_104_10255.html')).toBe(false);
  });
});

describe('nhsa parsers never throw anything unexpected', () => {
  const detailSample = saved('https://www.nhsa.gov.cn/art/2020/7/9/art_104_3241.html');
  const listSample = saved(col104.first.url);

  it('parseDetail: a notice or a typed problem for random and cut-up pages', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.nat(detailSample.length).map((n) => detailSample.slice(0, n) + (n % 2 ? '</html>' : ''))), (html) => {
        const result = parseDetail(html, 'https://www.nhsa.gov.cn/art/2020/7/9/art_104_1.html');
        if (result.ok) expect(result.notice.titleZh.length).toBeGreaterThan(0);
        else expect(['truncated', 'no_title', 'no_body', 'malformed', 'not_a_notice', 'challenge']).toContain(result.problem.code);
      }),
      { numRuns: 300 },
    );
  });

  it('parseList: items or a ListLayoutError for random, truncated and shuffled bodies', () => {
    const lines = listSample.split('\n');
    const inputs = fc.oneof(
      fc.string(),
      fc.nat(listSample.length).map((n) => listSample.slice(0, n)),
      fc.shuffledSubarray(lines, { minLength: 0, maxLength: lines.length }).map((ls) => ls.join('\n')),
    );
    fc.assert(
      fc.property(inputs, fc.constantFrom(col104, col109), (body, column) => {
        try {
          const page = parseList(body, column.first, column);
          for (const item of page.items) expect(isDetailUrl(item.url)).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(ListLayoutError);
        }
      }),
      { numRuns: 300 },
    );
  });
});
