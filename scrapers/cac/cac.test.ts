import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { decodeBody } from '../../src/http/charset.js';
import { type MirrorServer, startMirrorServer } from '../../test/support/mirror-server.js';
import { ListLayoutError, type SourceColumn } from '../source.js';
import source, { columns, isDetailUrl, issuersFromTitle, listRequest, parseDetail, parseList, PER_PAGE, signatureBlock } from './index.js';
import { listPages, noSpace, sourceFixtures } from '../../test/support/source-fixtures.js';

const here = dirname(fileURLToPath(import.meta.url));
const { mirror, expected, pageUrls, fileOf: mirrorFile, savedPage } = sourceFixtures(here, 'www.cac.gov.cn');
const wxfb = columns.find((c) => c.id === 'wxfb')!;
const zcwj = columns.find((c) => c.id === 'zcwj')!;

/** Reads a saved answer the way the HTTP client would (JSON: no <meta> sniffing). */
function saved(url: string, html = true): string {
  return savedPage(url, html ? null : 'application/json', html);
}

const readChannel = (column: SourceColumn) => listPages(parseList, (r) => saved(r.url, false), column);

describe('cac lists: POST /cms/JsonList', () => {
  it('pages through 网信发布 with the page number in the form body and the query', () => {
    const pages = readChannel(wxfb);
    const want = expected._lists.wxfb;
    expect(pages.map((p) => p.items.length)).toEqual(want.items_per_page);
    expect(pages.map((p) => `cms/JsonList@${new URL(p.request.url).search.slice(1)}`)).toEqual(want.files);
    pages.forEach(({ request }, i) => {
      expect(request).toMatchObject({
        url: `https://www.cac.gov.cn/cms/JsonList?channelCode=A093702&pageno=${i + 1}`,
        method: 'POST',
        body: `channelCode=A093702&perPage=${PER_PAGE}&pageno=${i + 1}`,
        contentType: 'application/x-www-form-urlencoded',
        headers: { Referer: 'https://www.cac.gov.cn/wxzw/wxfb/A093702index_1.htm' },
        expect: 'json',
      });
    });
    const items = pages.flatMap((p) => p.items);
    expect(items).toHaveLength(want.items);
    for (const item of items) {
      expect(item.url).toMatch(/^https:\/\/www\.cac\.gov\.cn\/\d{4}-\d{2}\/\d{2}\/c_\d{13}\.htm$/);
      expect(isDetailUrl(item.url)).toBe(true);
      expect(item.column).toBe('wxfb');
      expect(item.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(item.title).toBeTruthy();
    }
    const first = items[0]!;
    expect(first.title).toBe('国家发展改革委 国家数据局关于印发《公共数据资源登记管理暂行办法》的通知');
    expect(first.docNumber).toBe('发改数据规〔2025〕26号');
  });

  it('filters the gov.cn link, the 答记者问 and 解读 rows and the PDF row', () => {
    const files: string[] = expected._lists.wxfb.files;
    const raw = files.flatMap((file) => JSON.parse(readFileSync(join(mirror, file), 'utf8')).list) as Array<{ topic: string; infourl: string }>;
    expect(raw).toHaveLength(expected._lists.wxfb.totalRec);
    expect(raw.some((r) => r.infourl.startsWith('https://www.gov.cn/'))).toBe(true);
    expect(raw.some((r) => r.infourl.endsWith('.pdf'))).toBe(true);
    expect(raw.filter((r) => /答记者问|解读/.test(r.topic))).toHaveLength(2);
    const items = readChannel(wxfb).flatMap((p) => p.items);
    expect(items.some((i) => /答记者问|解读/.test(i.title ?? '') || !i.url.startsWith('https://www.cac.gov.cn/'))).toBe(false);
  });

  it('reads 政策文件 in one page; the same document is listed in both channels', () => {
    const pages = readChannel(zcwj);
    expect(pages).toHaveLength(1);
    expect(pages[0]!.items).toHaveLength(expected._lists.zcwj.items);
    const both = new Set(readChannel(wxfb).flatMap((p) => p.items.map((i) => i.url)));
    expect(pages[0]!.items.filter((i) => both.has(i.url)).map((i) => i.url)).toEqual(['https://www.cac.gov.cn/2025-01/13/c_1736764800000.htm']);
  });

  it('lists exactly the saved pages plus one missing page', () => {
    const urls = new Set([...readChannel(wxfb), ...readChannel(zcwj)].flatMap((p) => p.items.map((i) => i.url)));
    expect([...urls].sort()).toEqual([...pageUrls].sort());
    expect([...urls].filter((u) => !existsSync(mirrorFile(u)))).toEqual(pageUrls.filter((u) => expected[u].reason === 'http 404'));
  });

  it('stops at totalRec (string or number), and without it on a short page', () => {
    const entry = (i: number) => ({ topic: `通知${i}`, infourl: `//www.cac.gov.cn/2024-01/05/c_17044452000${String(i).padStart(2, '0')}.htm`, pubtime: '2024-01-05 17:00:00.0' });
    const page = (n: number, from: number, total?: unknown) => JSON.stringify({ ...(total === undefined ? {} : { totalRec: total }), list: Array.from({ length: n }, (_, i) => entry(from + i)) });
    const r1 = listRequest('A093702', 1, 'https://www.cac.gov.cn/', 20);
    expect(parseList(page(20, 0, '45'), r1, wxfb).next?.url).toBe('https://www.cac.gov.cn/cms/JsonList?channelCode=A093702&pageno=2');
    expect(parseList(page(20, 0, '45'), r1, wxfb).next?.body).toBe('channelCode=A093702&perPage=20&pageno=2');
    const r3 = listRequest('A093702', 3, 'https://www.cac.gov.cn/', 20);
    expect(parseList(page(5, 40, 45), r3, wxfb).next).toBeNull();
    expect(parseList(page(20, 40), r3, wxfb).next?.body).toBe('channelCode=A093702&perPage=20&pageno=4');
    expect(parseList(page(5, 40), r3, wxfb).next).toBeNull();
    expect(parseList('{"totalRec":0,"list":[]}', r1, wxfb)).toEqual({ items: [], next: null });
  });

  it('reads protocol-relative, http and https links to the site; pubtime with and without .0', () => {
    const body = JSON.stringify({
      totalRec: 3,
      list: [
        { topic: '<font color="red">关于A的通知</font>', infourl: 'http://www.cac.gov.cn/2024-01/05/c_1704445200001.htm', pubtime: '2024-01-05 17:00:00.0' },
        { topic: '关于B的通知', infourl: '//www.cac.gov.cn/2024-01/05/c_1704445200002.htm', pubtime: '2024-01-05 17:00:00' },
        { topic: '关于C的通知', infourl: 'https://www.cac.gov.cn/2024-01/05/c_1704445200003.htm', pubtime: '2024-13-05 17:00:00' },
      ],
    });
    const page = parseList(body, wxfb.first, wxfb);
    expect(page.items.map((i) => [i.url, i.title, i.date])).toEqual([
      ['https://www.cac.gov.cn/2024-01/05/c_1704445200001.htm', '关于A的通知', '2024-01-05'],
      ['https://www.cac.gov.cn/2024-01/05/c_1704445200002.htm', '关于B的通知', '2024-01-05'],
      ['https://www.cac.gov.cn/2024-01/05/c_1704445200003.htm', '关于C的通知', null],
    ]);
  });

  it('reports answers that are not JsonList', () => {
    expect(() => parseList('<html><body>系统维护</body></html>', wxfb.first, wxfb)).toThrow(ListLayoutError);
    expect(() => parseList('{"total":3,"rows":[]}', wxfb.first, wxfb)).toThrow(/expected \{totalRec, list/);
    expect(() => parseList('[]', wxfb.first, wxfb)).toThrow(ListLayoutError);
    expect(() => parseList('{"totalRec":1,"list":[{"topic":"x"}]}', wxfb.first, wxfb)).toThrow(/none has an infourl/);
  });

  it('is answered by the mirror from the file named <path>@<query> whatever the method', async () => {
    const server: MirrorServer = await startMirrorServer(mirror);
    try {
      const request = columns[0]!.first;
      const res = await fetch(`${server.origin}/cms/JsonList?${new URL(request.url).search.slice(1)}`, {
        method: 'POST',
        body: request.body!,
        headers: { 'content-type': request.contentType! },
      });
      expect(res.status).toBe(200);
      expect(JSON.parse(await res.text()).totalRec).toBe(expected._lists.wxfb.totalRec);
      // the live path has no extension: the mirror server answers as the bytes look (JSON), as the live API does
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    } finally {
      await server.close();
    }
  });
});

describe('cac detail pages (saved pages against expected.json)', () => {
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
    expect(n.titleZh).toBe(want.title_zh);
    expect(n.docNumber).toBe(want.doc_number);
    expect(n.docType).toBe(want.doc_type);
    expect(n.issuerNames).toEqual(want.issuers);
    expect(n.writtenDate).toBe(want.written_date);
    expect(n.publishedDate).toBe(want.published_date);
    expect(n.origin).toBe(want.origin);
    expect(n.topicZh).toBeNull();
    expect(n.attachments).toEqual(want.attachments);
    expect(noSpace(n.bodyText).startsWith(noSpace(want.body_starts_with))).toBe(true);
    expect(noSpace(n.bodyText).endsWith(noSpace(want.body_ends_with))).toBe(true);
    expect(n.bodyText.split('\n')).toHaveLength(want.body_paragraphs);
    for (const chrome of want.body_must_not_contain) expect(n.bodyText).not.toContain(chrome);
    expect(result.warnings).toEqual([]);
  });

  it('covers the error cases', () => {
    expect(pageUrls.filter((u) => !expected[u].ok).map((u) => expected[u].reason).sort()).toEqual(['http 404', 'no body', 'truncated']);
  });

  it('decodes pages through decodeBody: UTF-8 as served, and a GBK copy declaring gbk', () => {
    const url = 'https://www.cac.gov.cn/2023-06/20/c_1687253400000.htm';
    expect(decodeBody(new Uint8Array(readFileSync(mirrorFile(url))), 'text/html', true).charset).toBe('utf-8');
    const gbk = new Uint8Array(iconv.encode(saved(url).replace('charset=utf-8', 'charset=GBK'), 'gbk'));
    const decoded = decodeBody(gbk, 'text/html', true);
    expect(decoded.charset).toBe('gb18030');
    const result = parseDetail(decoded.text, url);
    expect(result.ok && result.notice.titleZh).toBe(expected[url].title_zh);
    expect(result.ok && result.notice.issuerNames).toEqual(['国家互联网信息办公室']);
  });

  it('reads issuers: title opening, signature block for 等部门, the CAC otherwise', () => {
    expect(issuersFromTitle('国家互联网信息办公室关于发布深度合成服务算法备案信息的公告')).toEqual({ names: ['国家互联网信息办公室'], partial: false });
    expect(issuersFromTitle('国家数据局等部门关于印发《“数据要素×”三年行动计划(2024—2026年)》的通知')).toEqual({ names: ['国家数据局'], partial: true });
    expect(issuersFromTitle('关于开展“清朗”系列专项行动的通知')).toBeNull();
    expect(signatureBlock('正文。\n国 家 数 据 局\n中 央 网 信 办\n科     技     部\n2023年12月31日\n附件')).toEqual({
      names: ['国家数据局', '中央网信办', '科技部'],
      date: '2023年12月31日',
    });
    expect(signatureBlock('正文说明2023年12月31日前完成。')).toBeNull();
    const url = 'https://www.cac.gov.cn/2023-06/20/c_1687253400000.htm';
    const untitled = saved(url).replace(/国家互联网信息办公室关于发布/g, '关于发布');
    const result = parseDetail(untitled, url);
    expect(result.ok && result.notice.issuerNames).toEqual(['国家互联网信息办公室']);
    // joint issuers named on the page win over the default
    const signed = untitled.replace('</DIV>', '<p style="text-align: right;">国家互联网信息办公室</p><p style="text-align: right;">公安部</p><p style="text-align: right;">2023年6月20日</p></DIV>');
    const joint = parseDetail(signed, url);
    expect(joint.ok && joint.notice.issuerNames).toEqual(['国家互联网信息办公室', '公安部']);
    expect(joint.ok && joint.notice.writtenDate).toBe('2023-06-20');
  });

  it('falls back for title and date: <h1>, <title>; URL date, list date; bad dates warn', () => {
    const url = 'https://www.cac.gov.cn/2023-06/20/c_1687253400000.htm';
    const html = saved(url);
    const noH1 = html.replace(/<h1 class="title">[^<]*<\/h1>/, '');
    const a = parseDetail(noH1, url);
    expect(a.ok && a.notice.titleZh).toBe(expected[url].title_zh);
    const none = noH1.replace(/<title>[^<]*<\/title>/, '');
    expect((parseDetail(none, url) as any).problem.code).toBe('no_title');
    const bad = html.replace('2023年06月20日 17:30', '2023年06月31日 17:30');
    const b = parseDetail(bad, url);
    expect(b.ok && b.notice.publishedDate).toBe('2023-06-20'); // from the URL
    expect(b.ok && b.warnings.join(' ')).toMatch(/pubtime "2023年06月31日 17:30" is not a valid date/);
    const nodate = html.replace(/<span id="pubtime">[^<]*<\/span>/, '');
    const other = 'https://www.cac.gov.cn/c.htm';
    const c = parseDetail(nodate, other, { url: other, column: 'wxfb', title: null, date: '2023-06-21' });
    expect(c.ok && c.notice.publishedDate).toBe('2023-06-21');
  });

  it('tells a challenge page from a notice', () => {
    const url = 'https://www.cac.gov.cn/2023-06/20/c_1687253400000.htm';
    const r = parseDetail('<html><head><meta content="{qqqqq.x"><script>var $_ts = {};</script></head></html>', url);
    expect(!r.ok && r.problem.code).toBe('challenge');
  });

  it('describes itself', () => {
    expect(source.id).toBe('cac');
    expect(source.baseUrl).toBe('https://www.cac.gov.cn');
    expect(source.columns.map((c) => [c.id, c.nameZh, new URLSearchParams(c.first.body).get('channelCode')])).toEqual([
      ['wxfb', '网信发布', 'A093702'],
      ['zcwj', '政策文件', 'A09370306'],
    ]);
    expect(source.needsBrowser).toBeFalsy();
    expect(isDetailUrl('https://www.cac.gov.cn/2023-07/13/c_1690898327029107.htm')).toBe(true);
    expect(isDetailUrl('https://www.cac.gov.cn/wxzw/wxfb/A093702index_1.htm')).toBe(false);
    expect(isDetailUrl('https://www.cac.gov.cn/rootimages/uploadimg/1/1.pdf')).toBe(false);
  });
});

describe('cac parsers never throw anything unexpected', () => {
  const detailSample = saved('https://www.cac.gov.cn/2024-01/05/c_1704445200000.htm');
  const listSample = saved('https://www.cac.gov.cn/cms/JsonList?channelCode=A093702&pageno=1', false);

  it('parseDetail: a notice or a typed problem for random and cut-up pages', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.nat(detailSample.length).map((n) => detailSample.slice(0, n) + (n % 2 ? '</html>' : ''))), (html) => {
        const result = parseDetail(html, 'https://www.cac.gov.cn/2024-01/05/c_1704445200000.htm');
        if (result.ok) expect(result.notice.titleZh.length).toBeGreaterThan(0);
        else expect(['truncated', 'no_title', 'no_body', 'malformed', 'not_a_notice', 'challenge']).toContain(result.problem.code);
      }),
      { numRuns: 300 },
    );
  });

  it('parseList: items or a ListLayoutError for random, truncated and shuffled answers', () => {
    const list = JSON.parse(listSample).list as unknown[];
    const inputs = fc.oneof(
      fc.string(),
      fc.json(),
      fc.nat(listSample.length).map((n) => listSample.slice(0, n)),
      fc.shuffledSubarray(list, { minLength: 0, maxLength: list.length }).map((l) => JSON.stringify({ totalRec: 11, list: l })),
      fc.array(fc.record({ topic: fc.oneof(fc.string(), fc.integer()), infourl: fc.oneof(fc.string(), fc.constant(null)), pubtime: fc.string() })).map((l) => JSON.stringify({ totalRec: '9', list: l })),
    );
    fc.assert(
      fc.property(inputs, fc.constantFrom(wxfb, zcwj), (body, column) => {
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
