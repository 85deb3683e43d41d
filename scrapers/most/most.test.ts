import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBody } from '../../src/http/charset.js';
import { type MirrorServer, startMirrorServer } from '../../test/support/mirror-server.js';
import { noSpace, sourceFixtures, walkColumn } from '../../test/support/source-fixtures.js';
import { type ListItem, ListLayoutError, type ListRequest, type SourceColumn } from '../source.js';
import source, { canonicalUrl, columns, isDetailUrl, parseDetail, parseList, SITE_BODY } from './index.js';
import { findSignature, issuersFromTitle, listPaging, readLabelTable, signerNames } from '../lib/trs-page.js';
import { loadHtml } from '../lib/html.js';

const here = dirname(fileURLToPath(import.meta.url));
const { mirror: mirrorRoot, expected, pageUrls, fileOf, savedPage } = sourceFixtures(here, 'www.most.gov.cn');
const column = (id: string) => columns.find((c) => c.id === id)!;

/** Every list page of a column, following `next` to the end. */
function walkColumnPages(col: SourceColumn): { items: ListItem[]; pages: string[] } {
  const { items, requests } = walkColumn(parseList, (r) => savedPage(r.url), col);
  return { items, pages: requests.map((r) => r.url) };
}

const TZTG_01 = 'https://www.most.gov.cn/tztg/202006/t20200622_155186.html';
const QTWJ_01 = 'https://www.most.gov.cn/xxgk/xinxifenlei/fdzdgknr/qtwj/qtwj2020/202006/t20200622_155187.html';
const QTWJ_34 = 'https://www.most.gov.cn/xxgk/xinxifenlei/fdzdgknr/qtwj/qtwj2021/202112/t20211231_178531.html';
const TZTG_18 = 'https://www.most.gov.cn/tztg/202401/t20240105_189355.html';
const TZTG_33 = 'https://www.most.gov.cn/tztg/202010/t20201030_159335.html';
const OLD_GB2312 = 'https://www.most.gov.cn/tztg/201905/t20190527_146876.htm';

describe('most lists', () => {
  it.each(columns.map((c) => [c.id, c] as const))('reads every page of %s to the end', (id, col) => {
    const { items, pages } = walkColumnPages(col);
    expect(items).toHaveLength(expected._lists[id]);
    expect(pages).toHaveLength(expected._list_pages[id]);
    if (pages.length > 1) expect(pages[1]).toBe(col.first.url.replace(/\/$/, '/index_1.html'));
    for (const item of items) {
      expect(item.url).toMatch(/^https:\/\/www\.most\.gov\.cn\//);
      expect(isDetailUrl(item.url)).toBe(true);
      expect(item.column).toBe(id);
      expect(item.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(item.title?.length).toBeGreaterThan(5);
      expect(expected[item.url], item.url).toBeDefined();
    }
  });

  it('lists every fixture page once across the columns, including the 404 entry', () => {
    const all = columns.flatMap((c) => walkColumnPages(c).items.map((i) => i.url));
    expect(new Set(all).size).toBe(expected._lists.unique_urls);
    expect(new Set(all)).toEqual(new Set(pageUrls));
  });

  it('drops attachment rows, links to other hosts and 政策解读 cross-links', () => {
    const tztg = walkColumnPages(column('tztg')).items.map((i) => i.url);
    expect(savedPage('https://www.most.gov.cn/tztg/')).toContain('W020240105391028465731.pdf');
    expect(savedPage('https://www.most.gov.cn/tztg/')).toContain('service.most.gov.cn');
    expect(tztg.some((u) => /\.pdf$|service\.most/.test(u))).toBe(false);
    const qtwj = walkColumnPages(column('qtwj')).items.map((i) => i.url);
    expect(savedPage(column('qtwj').first.url)).toContain('/zcjd/');
    expect(qtwj.some((u) => u.includes('/zcjd/'))).toBe(false);
  });

  it('takes the full title from the title attribute and the 文号 from the 信息公开 list', () => {
    const [first] = parseList(savedPage('https://www.most.gov.cn/tztg/'), column('tztg').first, column('tztg')).items;
    expect(first!.title).toBe('国家数据局等部门关于印发《“数据要素×”三年行动计划(2024—2026年)》的通知');
    const qtwj = walkColumnPages(column('qtwj')).items;
    expect(qtwj.find((i) => i.url === QTWJ_01)?.docNumber).toBe('国科发智〔2020〕167号');
    expect(qtwj.find((i) => i.url === QTWJ_34)?.docNumber).toBeNull();
  });

  it('reads the pre-redesign list template (td.STYLE30, `(YYYY-MM-DD)`, .htm)', () => {
    const html = `<html><body><table><tr><td class="STYLE30"><a href="./201704/t20170401_132280.htm" target="_blank" class=STYLE30>关于报送完善财政科研项目资金管理等政策落实情况的通知</a>(2017-04-01)</td></tr>
      <tr><td class="STYLE30"><a href="./201703/W020170331.pdf" class=STYLE30>附件</a>(2017-03-31)</td></tr></table>
      <script>createPageHTML(5, 0, "index", "htm");</script></body></html>`;
    const request = { url: 'http://www.most.gov.cn/tztg/index.htm', expect: 'html' as const };
    const page = parseList(html, request, column('tztg'));
    expect(page.items).toEqual([
      { url: 'https://www.most.gov.cn/tztg/201704/t20170401_132280.htm', column: 'tztg', title: '关于报送完善财政科研项目资金管理等政策落实情况的通知', date: '2017-04-01', docNumber: null },
    ]);
    expect(page.next?.url).toBe('http://www.most.gov.cn/tztg/index_1.html');
  });

  it('treats an empty list as a list, and ends paging without a paging script', () => {
    const page = parseList('<html><body><ul class="info_list2"></ul></body></html>', column('tztg').first, column('tztg'));
    expect(page).toEqual({ items: [], next: null });
  });

  it('reports pages that are not a MOST list', () => {
    const tztg = column('tztg');
    expect(() => parseList('<html><head><title>系统维护中</title></head><body>网站维护，请稍后访问</body></html>', tztg.first, tztg)).toThrow(
      /not a MOST list page \("系统维护中"\)/,
    );
    expect(() => parseList('', tztg.first, tztg)).toThrow(ListLayoutError);
    expect(() => parseList('<ul class="info_list2"><li><span>标题</span><span class="date">2020-01-01</span></li></ul>', tztg.first, tztg)).toThrow(
      /none has a link/,
    );
    const challenge = '<html><head><meta content="{qqqqqqq.r0vBpY2CcVzuI5rW6d2nqz5pV1kQ" r="m"><script>$_ts=window[\'$_ts\'];</script></head><body></body></html>';
    expect(() => parseList(challenge, tztg.first, tztg)).toThrow(/challenge/);
  });

  it('reads the paging scripts TRS pages use', () => {
    expect(listPaging('var pagination_script_config = {"total":"12","current":"3"}')).toEqual({ total: 12, current: 3 });
    expect(listPaging('createPageHTML(25, 0, "index", "html");')).toEqual({ total: 25, current: 0 });
    expect(listPaging("createPageHTML('page_div', 7, 2, 'index', 'html', 20);")).toEqual({ total: 7, current: 2 });
    expect(listPaging('var countPage = 4;')).toEqual({ total: 4, current: null });
    expect(listPaging('<html></html>')).toBeNull();
  });
});

describe('most detail pages (saved pages against expected.json)', () => {
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
    expect(n.indexNumber).toBe(want.index_number);
    expect(n.origin).toBe(want.origin);
    expect(n.validity).toBe(want.validity ?? null);
    expect(n.attachments).toEqual(want.attachments);
    expect(noSpace(n.bodyText).startsWith(noSpace(want.body_starts_with))).toBe(true);
    expect(noSpace(n.bodyText).endsWith(noSpace(want.body_ends_with))).toBe(true);
    expect(n.bodyText.split('\n')).toHaveLength(want.body_paragraphs);
    for (const chrome of want.body_must_not_contain) expect(n.bodyText).not.toContain(chrome);
    expect(n.bodyHtml).toBeTruthy();
    expect(result.warnings).toEqual([]);
  });

  it('covers the three templates', () => {
    const templates = new Set(pageUrls.filter((u) => expected[u].ok).map((u) => expected[u].template));
    expect(templates).toEqual(new Set(['tztg', 'tztg-old-gb2312', 'xxgk_detail_head']));
  });

  it('gets the 2020 science-week notice (01) from both of its pages: 文号, four issuers, written date', () => {
    for (const url of [TZTG_01, QTWJ_01]) {
      const result = parseDetail(savedPage(url), url);
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(result.notice.titleZh).toBe('科技部 中央宣传部 卫生健康委 中国科协关于举办2020年全国科技活动周的通知');
      expect(result.notice.docNumber).toBe('国科发智〔2020〕167号');
      expect(result.notice.issuerNames).toEqual(['科技部', '中央宣传部', '卫生健康委', '中国科协']);
      expect(result.notice.writtenDate).toBe('2020-06-18');
      expect(result.notice.docType).toBe('通知');
      expect(result.notice.attachments.map((a) => a.url.split('.').pop())).toEqual(['docx', 'xlsx']);
      // metadata only: nothing but the 文号 line, the signature lines and the date
      expect(result.notice.bodyText).toMatch(/^(国科发智〔2020〕167号\n)?科技部\n中央宣传部\n卫生健康委\n中国科协\n2020年6月18日$/);
    }
  });

  it('decodes the gb2312 page through its <meta charset> and parses the older template', () => {
    const bytes = new Uint8Array(readFileSync(fileOf(OLD_GB2312)));
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();
    expect(Buffer.from(bytes).toString('latin1')).toContain('charset=gb2312');
    const decoded = decodeBody(bytes, 'text/html', true);
    expect(decoded.charset).toBe('gb18030');
    const result = parseDetail(decoded.text, OLD_GB2312);
    expect(result.ok && result.notice.titleZh).toBe('科技部关于支持上海建设国家新一代人工智能创新发展试验区的函');
    expect(result.ok && result.notice.docNumber).toBe('国科函规〔2019〕80号');
    expect(result.ok && result.notice.publishedDate).toBe('2019-05-27');
    // read as UTF-8 the page is garbage: no title survives
    const wrong = parseDetail(Buffer.from(bytes).toString('utf8'), OLD_GB2312);
    expect(wrong.ok && wrong.notice.titleZh).not.toBe('科技部关于支持上海建设国家新一代人工智能创新发展试验区的函');
  });

  it('falls back to the ContentStart/ContentEnd markers when the old page has no #Zoom', () => {
    const html = savedPage(OLD_GB2312).replace('<div id="Zoom">', '<div>').replace('<div class=TRS_Editor>', '<div>');
    const result = parseDetail(html, OLD_GB2312);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(noSpace(result.notice.bodyText).startsWith(noSpace(expected[OLD_GB2312].body_starts_with))).toBe(true);
    expect(result.notice.bodyText).not.toContain('打印本页');
    expect(result.notice.bodyText).not.toContain('TRS_Editor P');
  });

  it('reads the 16 issuers of `国家数据局等部门关于…` from the signature block', () => {
    const result = parseDetail(savedPage(TZTG_18), TZTG_18);
    expect(result.ok && result.notice.issuerNames).toHaveLength(16);
    expect(result.ok && result.notice.issuerNames.slice(0, 3)).toEqual(['国家数据局', '中央网信办', '科技部']);
    // without a signature block: only the lead body, and a warning says so
    const cut = savedPage(TZTG_18).replace(/<p[^>]*>2023年12月31日<\/p>/, '');
    const partial = parseDetail(cut, TZTG_18);
    expect(partial.ok && partial.notice.issuerNames).toEqual(['国家数据局']);
    expect(partial.ok && partial.warnings.join(' ')).toMatch(/names only the lead issuer/);
    expect(partial.ok && partial.notice.writtenDate).toBeNull();
  });

  it('uses the ministry itself as issuer when neither a 发文机关 field nor the title names one', () => {
    const html = savedPage(TZTG_33)
      .replaceAll('科技部关于印发《国家新一代', '关于印发《国家新一代');
    const result = parseDetail(html, TZTG_33);
    expect(result.ok && result.notice.titleZh).toBe('关于印发《国家新一代人工智能创新发展试验区建设工作指引(修订版)》的通知');
    expect(result.ok && result.notice.issuerNames).toEqual([SITE_BODY]);
    // ContentSource is the department that posted it, never the issuer
    expect(result.ok && result.notice.origin).toBe('战略规划司');
  });

  it('reads the metadata table by label, also in the older layout without div.xxgk_detail_head', () => {
    const html = savedPage(QTWJ_01).replace('class="xxgk_detail_head"', 'class="wrap_head"');
    const result = parseDetail(html, QTWJ_01);
    expect(result.ok && result.notice.docNumber).toBe('国科发智〔2020〕167号');
    expect(result.ok && result.notice.topicZh).toBe('科学技术普及');
    // rows in another order still read by label
    const $ = loadHtml(savedPage(QTWJ_01));
    const rows = $('div.xxgk_detail_head tr').toArray();
    $(rows[0]!).before($(rows[3]!));
    const fields = readLabelTable($, $('div.xxgk_detail_head table'));
    expect(fields.get('发文字号')).toBe('国科发智〔2020〕167号');
    expect(fields.get('成文日期')).toBe('2020年06月18日');
  });

  it('keeps a notice with an impossible date: a warning and null', () => {
    const html = savedPage(QTWJ_01).replace('2020年06月18日', '2020年13月45日');
    const result = parseDetail(html, QTWJ_01);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.notice.writtenDate).toBeNull();
    expect(result.warnings.join(' ')).toMatch(/成文日期 "2020年13月45日" is not a valid date/);
    const pub = parseDetail(savedPage(TZTG_33).replace('content="2020-10-30"', 'content="2020-10-32"'), TZTG_33);
    expect(pub.ok && pub.notice.publishedDate).toBe('2020-10-30'); // from div.notes
    expect(pub.ok && pub.warnings.join(' ')).toMatch(/PubDate/);
  });

  it('falls back from the meta tags to the page text and the list item', () => {
    const html = savedPage(TZTG_33)
      .replace(/<meta name="ArticleTitle"[^>]*>/, '')
      .replace(/<meta name="PubDate"[^>]*>/, '')
      .replace(/<div class="notes[\s\S]*?<\/div>/, '');
    const item: ListItem = { url: TZTG_33, column: 'tztg', title: 'x', date: '2020-10-31' };
    const result = parseDetail(html, TZTG_33, item);
    expect(result.ok && result.notice.titleZh).toBe(expected[TZTG_33].title_zh); // div.title_wide
    expect(result.ok && result.notice.docNumber).toBe('国科发规〔2020〕254号');
    expect(result.ok && result.notice.publishedDate).toBe('2020-10-31'); // the list's date
  });

  it('returns typed problems: challenge, list page, site 404 page', () => {
    const rs = '<html><head><meta content="{qqqqqqq.r0vBpY2CcVzuI5rW6d2nqz5pV1kQ" r="m"><script type="text/javascript" r="m">$_ts=window[\'$_ts\'];if(!$_ts)$_ts={};$_ts.nsd=84453;</script><script src="/4QbVtADbnLVIc/c.FxJzG50F.js"></script></head><body></body></html>';
    expect(parseDetail(rs, TZTG_33)).toMatchObject({ ok: false, problem: { code: 'challenge' } });
    const jsl = '<html><script>document.cookie=("__jsl_clearance=1588150306.49|0|"+"x");location.href=location.pathname</script></html>';
    expect(parseDetail(jsl, TZTG_33)).toMatchObject({ ok: false, problem: { code: 'challenge' } });
    expect(parseDetail(savedPage('https://www.most.gov.cn/tztg/'), TZTG_33)).toMatchObject({ ok: false, problem: { code: 'not_a_notice' } });
    const notFound = '<html><head><title>中华人民共和国科学技术部</title></head><body><div class="err">您访问的页面不存在</div></body></html>';
    expect(parseDetail(notFound, TZTG_33)).toMatchObject({ ok: false, problem: { code: 'not_a_notice' } });
    expect(parseDetail('<html><body></body></html>', TZTG_33)).toMatchObject({ ok: false, problem: { code: 'no_title' } });
  });

  it('reads signature blocks and title issuers', () => {
    expect(signerNames('科     技     部')).toEqual(['科技部']);
    expect(signerNames('科技部 中央宣传部')).toEqual(['科技部', '中央宣传部']);
    expect(signerNames('专此通知。')).toBeNull();
    expect(signerNames('国科发智〔2020〕167号')).toBeNull();
    expect(findSignature(['正文。', '国 家 数 据 局', '中 央 网 信 办', '2023年12月31日', '附件'])).toEqual({
      dateText: '2023年12月31日',
      signers: ['国家数据局', '中央网信办'],
    });
    expect(findSignature(['2020年6月18日'])).toBeNull();
    expect(issuersFromTitle('科技部 中央宣传部 卫生健康委 中国科协关于举办2020年全国科技活动周的通知')).toEqual({
      names: ['科技部', '中央宣传部', '卫生健康委', '中国科协'],
      partial: false,
    });
    expect(issuersFromTitle('国家发展改革委等17部门关于…的通知')).toEqual({ names: ['国家发展改革委'], partial: true });
    expect(issuersFromTitle('关于印发《…》的通知')).toBeNull();
    expect(issuersFromTitle('《国家…》解读：关于…')).toBeNull();
  });

  it('describes itself', () => {
    expect(source.id).toBe('most');
    expect(source.baseUrl).toBe('https://www.most.gov.cn');
    expect(source.columns.map((c) => c.id)).toEqual(['tztg', 'gfxwj', 'qtwj']);
    expect(source.schedule.split(' ')).toHaveLength(5);
    expect(source.needsBrowser).toBeFalsy();
    expect(isDetailUrl('https://www.most.gov.cn/tztg/202006/t20200622_155186.html')).toBe(true);
    expect(isDetailUrl('http://www.most.gov.cn/tztg/201704/t20170401_132280.htm')).toBe(true);
    expect(isDetailUrl('https://www.most.gov.cn/xxgk/xinxifenlei/fdzdgknr/fgzc/gfxwj/gfxwj2020/202010/t20201030_159336.html')).toBe(true);
    expect(isDetailUrl('https://www.most.gov.cn/xxgk/xinxifenlei/fdzdgknr/fgzc/zcjd/zcjd2020/202006/t20200623_155201.html')).toBe(false);
    expect(isDetailUrl('https://www.most.gov.cn/tztg/202401/W020240105391028465731.pdf')).toBe(false);
    expect(isDetailUrl('https://service.most.gov.cn/kjjh_tztg_all/20201030/3932.html')).toBe(false);
    expect(isDetailUrl('https://www.most.gov.cn/tztg/')).toBe(false);
    expect(canonicalUrl('http://most.gov.cn/tztg/202006/t20200622_155186.html#top')).toBe(TZTG_01);
  });
});

describe('most mirror over HTTP', () => {
  let mirror: MirrorServer;
  beforeAll(async () => {
    mirror = await startMirrorServer(mirrorRoot);
  });
  afterAll(async () => {
    await mirror?.close();
  });
  const local = (url: string) => url.replace('https://www.most.gov.cn', mirror.origin);

  it('serves every column, every listed page (one 404) and robots.txt allowing the paths read', async () => {
    const robots = await (await fetch(local('https://www.most.gov.cn/robots.txt'))).text();
    expect(robots).toMatch(/Allow: \/\n/);
    const seen = new Map<string, number>();
    for (const col of columns) {
      let request: ListRequest | null = col.first;
      while (request) {
        const res = await fetch(local(request.url));
        expect(res.status, request.url).toBe(200);
        const text = decodeBody(new Uint8Array(await res.arrayBuffer()), res.headers.get('content-type'), true).text;
        const page = parseList(text, request, col);
        for (const item of page.items) {
          const detail = await fetch(local(item.url));
          seen.set(item.url, detail.status);
          if (detail.status !== 200) continue;
          const html = decodeBody(new Uint8Array(await detail.arrayBuffer()), detail.headers.get('content-type'), true).text;
          const result = parseDetail(html, item.url, item);
          expect(result.ok, item.url).toBe(expected[item.url].ok);
        }
        request = page.next;
      }
    }
    expect([...seen.values()].filter((s) => s === 404)).toHaveLength(pageUrls.filter((u) => expected[u].reason === 'http 404').length);
    for (const [url, status] of seen) if (status === 404) expect(expected[url].reason).toBe('http 404');
  });
});

describe('most parsers never throw on bad input', () => {
  const sample = savedPage(QTWJ_01);
  const listSample = savedPage('https://www.most.gov.cn/tztg/');
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
        const result = parseDetail(html, QTWJ_01);
        if (result.ok) expect(result.notice.titleZh.length).toBeGreaterThan(0);
        else expect(['truncated', 'no_title', 'no_body', 'not_a_notice', 'challenge', 'malformed']).toContain(result.problem.code);
      }),
      { numRuns: 300 },
    );
  });

  it('parseList: a page or a ListLayoutError', () => {
    const tztg = column('tztg');
    fc.assert(
      fc.property(inputs(listSample), (body) => {
        try {
          const page = parseList(body, tztg.first, tztg);
          for (const item of page.items) expect(isDetailUrl(item.url)).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(ListLayoutError);
        }
      }),
      { numRuns: 300 },
    );
  });
});
