import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBody } from '../../src/http/charset.js';
import { FetchError } from '../../src/http/fetch-error.js';
import { HttpClient } from '../../src/http/http-client.js';
import { type MirrorServer, startMirrorServer } from '../../test/support/mirror-server.js';
import { type ListItem, ListLayoutError, type ListRequest } from '../source.js';
import { detectChallenge, issuersFromTitle, signatureDate, splitAnnouncementNumber } from '../lib/ministry-page.js';
import source, { canonicalUrl, columns, isDetailUrl, parseDetail, parseList, unitFromColumnPage, unitRequest } from './index.js';
import { noSpace, sourceFixtures } from '../../test/support/source-fixtures.js';

const here = dirname(fileURLToPath(import.meta.url));
const HOST = 'www.miit.gov.cn';
const challengeDir = join(here, 'fixtures', 'challenge');
const { mirror, expected, pageUrls, fileOf, savedPage } = sourceFixtures(here, HOST);
const column = columns[0]!;

function savedAnswer(request: ListRequest): string {
  return readFileSync(fileOf(request.url), 'utf8');
}
const jsl1 = readFileSync(join(challengeDir, 'jsl-521-stage1.html'), 'utf8');
const jsl2 = readFileSync(join(challengeDir, 'jsl-521-stage2.html'), 'utf8');

/** All list pages of the column, following `next`. */
function readAllPages(): { items: ListItem[]; requests: ListRequest[] } {
  const items: ListItem[] = [];
  const requests: ListRequest[] = [];
  let request: ListRequest | null = column.first;
  while (request) {
    requests.push(request);
    const page = parseList(savedAnswer(request), request, column);
    items.push(...page.items);
    request = page.next;
  }
  return { items, requests };
}

describe('miit list (jpaas unit API)', () => {
  it('models the first request on the unit the saved 文件发布·通知 column page builds', () => {
    const page = readFileSync(join(mirror, 'zwgk/zcwj/wjfb/tz/index.html'), 'utf8');
    const found = unitFromColumnPage(page);
    expect(found).not.toBeNull();
    expect(found!.url).toBe('https://www.miit.gov.cn/api-gateway/jpaas-publish-server/front/page/build/unit');
    expect(found!.unit).toMatchObject({ tagId: '右侧内容', pageId: '3e3ad1a3bec74939890a0d3e54815141' });
    const request = unitRequest(found!.unit, 'https://www.miit.gov.cn/zwgk/zcwj/wjfb/tz/index.html');
    expect(request.url).toBe(column.first.url);
    expect(column.first).toMatchObject({ expect: 'json', headers: { Referer: 'https://www.miit.gov.cn/zwgk/zcwj/wjfb/tz/index.html' } });
    expect(column.first.url).toBe(
      'https://www.miit.gov.cn/api-gateway/jpaas-publish-server/front/page/build/unit?parseType=buildstatic&webId=8d828e408d90447786ddbe128d495e9e&tplSetId=209741b2109044b5b7695700b2bec37e&pageType=column&tagId=%E5%8F%B3%E4%BE%A7%E5%86%85%E5%AE%B9&editType=null&pageId=3e3ad1a3bec74939890a0d3e54815141',
    );
  });

  it('pages through the unit with paramJson and stops at the last page', () => {
    const { items, requests } = readAllPages();
    expect(requests).toHaveLength(expected._lists.tz_pages);
    expect(new URL(requests[1]!.url).searchParams.get('paramJson')).toBe('{"pageNo":2,"pageSize":8}');
    expect(requests[1]!.headers?.Referer).toBe('https://www.miit.gov.cn/zwgk/zcwj/wjfb/tz/index.html');
    expect(items).toHaveLength(expected._lists.tz);
    expect(new Set(items.map((i) => i.url))).toEqual(new Set(pageUrls));
    for (const item of items) {
      expect(item.url).toMatch(/^https:\/\/www\.miit\.gov\.cn\/zwgk\/zcwj\/wjfb\/tz\/art\/\d{4}\/art_[0-9a-f]{32}\.html$/);
      expect(isDetailUrl(item.url)).toBe(true);
      expect(item.column).toBe('tz');
      expect(item.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(item.title).not.toMatch(/\.\.\.$/);
    }
  });

  it('drops 解读 rows, the hidden 解读 links of a row, file rows and links to other sites', () => {
    const { items } = readAllPages();
    const urls = items.map((i) => i.url).join(' ');
    expect(urls).not.toMatch(/zcjd|gov\.cn\/zhengce|\.pdf/);
    const twelve = items.find((i) => i.title === '工业和信息化部办公厅关于公布第四批服务型制造示范名单的通知');
    expect(twelve?.date).toBe('2023-01-03'); // past the hidden 解读/新闻 <font> labels
    const cut = items.find((i) => i.title?.startsWith('国家数据局等部门'));
    expect(cut?.title).toBe('国家数据局等部门关于印发《“数据要素×”三年行动计划(2024—2026年)》的通知'); // title attribute, not the cut text
  });

  it('reports answers that are not a list of this source', () => {
    const r = column.first;
    expect(() => parseList('<html><body>系统维护中</body></html>', r, column)).toThrow(ListLayoutError);
    expect(() => parseList('<html><body>系统维护中</body></html>', r, column)).toThrow(/not JSON/);
    expect(() => parseList('{"success":false,"code":"500","data":null,"message":"error"}', r, column)).toThrow(/success=false \(error\)/);
    expect(() => parseList('{"success":true,"data":{"list":[]}}', r, column)).toThrow(/no data\.html/);
    expect(() => parseList('[1,2]', r, column)).toThrow(/JSON object/);
    expect(() => parseList('{"success":true,"data":{"html":"<p>无内容</p>"}}', r, column)).toThrow(/neither list rows/);
    // the unit ignored paramJson and answered page 1 again
    const page1 = savedAnswer(r);
    const page2Request = parseList(page1, r, column).next!;
    expect(() => parseList(page1, page2Request, column)).toThrow(/asked for page 2 but the unit answered page 1/);
  });

  it('reports a 加速乐 challenge served instead of the list as an anti-bot challenge', () => {
    for (const body of [jsl1, jsl2]) {
      expect(() => parseList(body, column.first, column)).toThrow(ListLayoutError);
      expect(() => parseList(body, column.first, column)).toThrow(/anti-bot challenge \(加速乐/);
    }
  });

  it('keeps an empty column empty', () => {
    const body = JSON.stringify({ success: true, code: '200', data: { html: '<div class="page-content"><ul></ul></div><div class="pagination" rows="24" count="0" pageNo="1"></div>' } });
    expect(parseList(body, column.first, column)).toEqual({ items: [], next: null });
  });
});

describe('miit detail pages (saved pages against expected.json)', () => {
  it.each(pageUrls.filter((u) => existsSync(fileOf(u))))('%s', (url) => {
    const want = expected[url];
    const result = parseDetail(savedPage(url), url);
    if (!want.ok) {
      expect(result.ok).toBe(false);
      const code = { 'no title': 'no_title', truncated: 'truncated', 'no body': 'no_body' }[want.reason as string];
      if (!result.ok) {
        expect(result.problem.code).toBe(code);
        expect(result.problem.message.length).toBeGreaterThan(5);
      }
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
    expect(n.topicZh).toBe(want.topic_zh);
    expect(n.origin).toBe(want.origin);
    expect(n.attachments).toEqual(want.attachments);
    expect(noSpace(n.bodyText).startsWith(noSpace(want.body_starts_with))).toBe(true);
    expect(noSpace(n.bodyText).endsWith(noSpace(want.body_ends_with))).toBe(true);
    expect(n.bodyText.split('\n')).toHaveLength(want.body_paragraphs);
    for (const chrome of want.body_must_not_contain) expect(n.bodyText).not.toContain(chrome);
    expect(result.warnings).toEqual([]);
  });

  it('has a 404 entry: listed, but no saved page', () => {
    const missing = pageUrls.filter((u) => expected[u].reason === 'http 404');
    expect(missing).toHaveLength(1);
    expect(existsSync(fileOf(missing[0]!))).toBe(false);
  });

  it('prefers the meta tags and the 信息公开 box, and falls back to h1, con_time and the list date', () => {
    const url = pageUrls.find((u) => expected[u].topic_zh)!;
    const html = savedPage(url);
    const bare = html
      .replace(/<meta name="(ArticleTitle|PubDate|ContentSource)"[^>]*>/g, '')
      .replace(/<div class="xxgk-box"[\s\S]*?\n    <\/div>\n/, '');
    expect(bare).not.toContain('xxgk-box');
    const result = parseDetail(bare, url);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.notice.titleZh).toBe(expected[url].title_zh);
    expect(result.notice.publishedDate).toBe('2023-01-03'); // span#con_time
    expect(result.notice.writtenDate).toBe('2022-12-28'); // the signature date
    expect(result.notice.docNumber).toBeNull();
    expect(result.notice.issuerNames).toEqual(['工业和信息化部办公厅']); // the title's opening
    expect(result.notice.origin).toBe('政策法规司'); // div.cinfo 来源
    const noDates = bare.replace(/<span id="con_time">[^<]*<\/span>/, '');
    const item: ListItem = { url, column: 'tz', title: null, date: '2023-01-04' };
    expect(parseDetail(noDates, url, item).ok && (parseDetail(noDates, url, item) as any).notice.publishedDate).toBe('2023-01-04');
  });

  it('turns a bad date into a warning and null, not a failure', () => {
    const url = pageUrls.find((u) => expected[u].topic_zh)!;
    const html = savedPage(url).replace('<span class="xxgk-span4">2022-12-28</span>', '<span class="xxgk-span4">2022-13-45</span>');
    const result = parseDetail(html, url);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.warnings.join(' ')).toMatch(/成文日期 .*not a valid date/);
    expect(result.notice.writtenDate).toBe('2022-12-28'); // still read from the signature
  });

  it('names the ministry itself when nothing on the page names an issuer', () => {
    const url = pageUrls.find((u) => expected[u].notice === '35')!;
    const html = savedPage(url).replaceAll('工业和信息化部办公厅关于开展', '关于开展');
    const result = parseDetail(html, url);
    expect(result.ok && result.notice.issuerNames).toEqual(['中华人民共和国工业和信息化部']);
  });

  it('reports a 加速乐 challenge page served with 200 as a challenge', () => {
    for (const body of [jsl1, jsl2]) {
      const result = parseDetail(body, pageUrls[0]!);
      expect(result).toMatchObject({ ok: false, problem: { code: 'challenge' } });
      if (!result.ok) expect(result.problem.message).toMatch(/加速乐/);
    }
  });

  it('decodes a GBK copy of a page through its <meta charset> (the site serves UTF-8; older pages elsewhere did not)', () => {
    const url = pageUrls.find((u) => expected[u].notice === '21')!;
    const utf8 = savedPage(url);
    const bytes = new Uint8Array(iconv.encode(utf8.replace('<meta charset="utf-8">', '<meta charset="gb2312">'), 'gb18030'));
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();
    const decoded = decodeBody(bytes, 'text/html', true);
    expect(decoded.charset).toBe('gb18030');
    const result = parseDetail(decoded.text, url);
    expect(result.ok && result.notice.titleZh).toBe(expected[url].title_zh);
    expect(result.ok && result.notice.docNumber).toBe('工信厅信发函〔2021〕232号');
  });

  it('describes itself', () => {
    expect(source.id).toBe('miit');
    expect(source.baseUrl).toBe('https://www.miit.gov.cn');
    expect(source.needsBrowser).toBe(false);
    expect(source.columns.map((c) => c.id)).toEqual(['tz']);
    expect(source.schedule.split(' ')).toHaveLength(5);
    expect(isDetailUrl('https://www.miit.gov.cn/zwgk/zcwj/wjfb/tz/art/2023/art_920db564162e4312916a01bed6540ad8.html')).toBe(true);
    expect(isDetailUrl('https://www.miit.gov.cn/zwgk/zcwj/wjfb/gg/art/2026/art_6a09b92c25e947e2a0e90b66d608a7be.html')).toBe(true);
    expect(isDetailUrl('https://www.miit.gov.cn/jgsj/kjs/wjfb/art/2026/art_2995f16b28504ddcbb604e918eb15759.html')).toBe(true);
    expect(isDetailUrl('https://www.miit.gov.cn/zwgk/zcjd/art/2026/art_9b87c46fe9bb4f59851b59c4200515f5.html')).toBe(false);
    expect(isDetailUrl('https://www.miit.gov.cn/zwgk/zcwj/wjfb/tz/index.html')).toBe(false);
    expect(isDetailUrl('https://www.gov.cn/zwgk/zcwj/wjfb/tz/art/2023/art_920db564162e4312916a01bed6540ad8.html')).toBe(false);
    expect(canonicalUrl('http://wap.miit.gov.cn/zwgk/zcwj/wjfb/tz/art/2023/art_920db564162e4312916a01bed6540ad8.html')).toBe(
      'https://www.miit.gov.cn/zwgk/zcwj/wjfb/tz/art/2023/art_920db564162e4312916a01bed6540ad8.html',
    );
  });

  it('never throws on arbitrary or cut-up pages: a notice or a typed problem', () => {
    const sample = savedPage(pageUrls.find((u) => expected[u].topic_zh)!);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.nat(sample.length).map((n) => sample.slice(0, n) + (n % 2 ? '</html>' : '')),
          fc.shuffledSubarray(sample.split('\n')).map((lines) => lines.join('\n')),
        ),
        (html) => {
          const result = parseDetail(html, 'https://www.miit.gov.cn/zwgk/zcwj/wjfb/tz/art/2023/art_00000000000000000000000000000000.html');
          if (result.ok) expect(result.notice.titleZh.length).toBeGreaterThan(0);
          else expect(['truncated', 'no_title', 'no_body', 'malformed', 'challenge']).toContain(result.problem.code);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('list parsing throws nothing but ListLayoutError on random, cut and shuffled answers', () => {
    const answer = savedAnswer(column.first);
    const rows = (JSON.parse(answer).data.html as string).split('\n');
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.nat(answer.length).map((n) => answer.slice(0, n)),
          fc.shuffledSubarray(rows).map((r) => JSON.stringify({ success: true, data: { html: r.join('\n') } })),
        ),
        (body) => {
          try {
            const page = parseList(body, column.first, column);
            for (const item of page.items) expect(isDetailUrl(item.url)).toBe(true);
          } catch (error) {
            expect(error).toBeInstanceOf(ListLayoutError);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('miit helpers', () => {
  it('reads issuers from the opening of a title', () => {
    expect(issuersFromTitle('财政部 工业和信息化部 科技部 发展改革委关于2022年新能源汽车推广应用财政补贴政策的通知')).toEqual([
      '财政部',
      '工业和信息化部',
      '科技部',
      '发展改革委',
    ]);
    expect(issuersFromTitle('工业和信息化部办公厅关于公布第四批服务型制造示范名单的通知')).toEqual(['工业和信息化部办公厅']);
    expect(issuersFromTitle('工业和信息化部等七部门关于印发《新型电池产业发展“十五五”规划》的通知')).toEqual(['工业和信息化部']);
    expect(issuersFromTitle('三部门关于印发《轻工纺织产业发展“十五五”规划》的通知')).toEqual([]);
    expect(issuersFromTitle('关于开展2021年信息消费示范城市申报工作的通知')).toEqual([]);
    expect(issuersFromTitle('国家卫生健康委员会公告')).toEqual(['国家卫生健康委员会']);
    expect(issuersFromTitle('《道路机动车辆生产企业及产品》（第410批）')).toEqual([]);
  });

  it('finds the signature date and 公告 numbers', () => {
    expect(signatureDate('正文。\n工业和信息化部办公厅\n2021年9月18日\n(联系电话:010-68208206)')).toBe('2021-09-18');
    expect(signatureDate('正文。\n2021年9月18日以前报送。\n联系人:某某')).toBeNull();
    expect(splitAnnouncementNumber('中华人民共和国工业和信息化部公告（2022年第38号）')).toEqual({ title: '中华人民共和国工业和信息化部公告', number: '2022年第38号' });
    expect(splitAnnouncementNumber('工业和信息化部办公厅关于公布第四批服务型制造示范名单的通知')).toBeNull();
  });

  it('tells challenge pages from content', () => {
    expect(detectChallenge(jsl1)?.vendor).toBe('加速乐');
    expect(detectChallenge(jsl2)?.vendor).toBe('加速乐');
    expect(detectChallenge(savedPage(pageUrls.find((u) => expected[u].topic_zh)!))).toBeNull();
  });
});

describe('miit over HTTP (mirror server)', () => {
  let server: MirrorServer;
  beforeAll(async () => {
    server = await startMirrorServer(mirror);
  });
  afterAll(async () => {
    await server?.close();
  });

  /** The client, pointed at the mirror (which answers the extension-less unit API as JSON, like the live site). */
  function client(): HttpClient {
    return new HttpClient({
      userAgent: 'ChinaPolicyTracker/test',
      hostMap: new Map([[HOST, new URL(server.origin)]]),
      rateLimits: new Map([['*', 1000]]),
      timeoutMs: 5_000,
      retries: 0,
      backoffMs: 10,
      maxBytes: 1024 * 1024,
      robots: true,
    });
  }

  it('reads every list page and every listed page as the scraper would', async () => {
    const http = client();
    const items: ListItem[] = [];
    let request: ListRequest | null = column.first;
    while (request) {
      const page = await http.fetchPage({ url: request.url, expect: request.expect, ...(request.headers ? { headers: request.headers } : {}) });
      const parsed = parseList(page.text, request, column);
      items.push(...parsed.items);
      request = parsed.next;
    }
    expect(items).toHaveLength(expected._lists.tz);
    const referers = server.requests.filter((r) => r.path.endsWith('/build/unit')).map((r) => r.headers.referer);
    expect(referers).toEqual(['https://www.miit.gov.cn/zwgk/zcwj/wjfb/tz/index.html', 'https://www.miit.gov.cn/zwgk/zcwj/wjfb/tz/index.html']);
    for (const item of items) {
      const want = expected[item.url];
      if (want.reason === 'http 404') {
        await expect(http.fetchPage({ url: item.url, expect: 'html' })).rejects.toMatchObject({ kind: 'http', status: 404 });
        continue;
      }
      const page = await http.fetchPage({ url: item.url, expect: 'html' });
      const result = parseDetail(page.text, item.url, item);
      expect(result.ok).toBe(want.ok);
      if (result.ok) expect(result.notice.titleZh).toBe(want.title_zh);
    }
  });

  it('serves the saved 加速乐 page with HTTP 521: the client reports a challenge; with 200 the parser does', async () => {
    const url = pageUrls.find((u) => expected[u].ok)!;
    const path = new URL(url).pathname;
    server.faults.set(path, { status: 521, body: jsl1 });
    const raw = await fetch(server.origin + path);
    expect(raw.status).toBe(521);
    expect(await raw.text()).toContain('location.href');
    const error = await client()
      .fetchPage({ url, expect: 'html' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FetchError);
    expect(error).toMatchObject({ kind: 'challenge', status: 521 });
    server.faults.set(path, { status: 200, body: jsl2 });
    const page = await client().fetchPage({ url, expect: 'html' });
    expect(parseDetail(page.text, url)).toMatchObject({ ok: false, problem: { code: 'challenge' } });
    server.faults.delete(path);
  });
});
