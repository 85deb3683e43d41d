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
import { type ListItem, ListLayoutError, type ListRequest, type SourceColumn } from '../source.js';
import { detectChallenge, issuersFromTitle, signatureDate, splitAnnouncementNumber } from '../lib/ministry-page.js';
import source, { canonicalUrl, columns, isDetailUrl, parseDetail, parseList } from './index.js';
import { noSpace, sourceFixtures, walkColumn } from '../../test/support/source-fixtures.js';

const here = dirname(fileURLToPath(import.meta.url));
const HOST = 'www.nhc.gov.cn';
const { mirror, expected, pageUrls, fileOf, savedPage } = sourceFixtures(here, HOST);
const ruishu = readFileSync(join(here, 'fixtures', 'challenge', 'ruishu-412.html'), 'utf8');
const byNotice = (n: string) => pageUrls.find((u) => expected[u].notice === n)!;

const readColumn = (column: SourceColumn) => walkColumn(parseList, (r) => savedPage(r.url), column);

describe('nhc lists', () => {
  it.each(columns.map((c) => [c.id, c] as const))('reads every page of %s', (id, column) => {
    const { items, requests } = readColumn(column);
    expect(requests).toHaveLength(expected._lists[`${id}_pages`]);
    expect(items).toHaveLength(expected._lists[id]);
    for (const item of items) {
      expect(item.url).toMatch(/^https:\/\/www\.nhc\.gov\.cn\/[a-z0-9/]+\/\d{6}\/[0-9a-f]{32}\.shtml$/);
      expect(isDetailUrl(item.url)).toBe(true);
      expect(item.column).toBe(id);
      expect(item.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(item.title).toBeTruthy();
      expect(expected[item.url], item.url).toBeDefined();
    }
  });

  it('follows list_2.shtml from the pager call and stops on the last page', () => {
    const zcwj = columns.find((c) => c.id === 'zcwj')!;
    const { requests } = readColumn(zcwj);
    expect(requests.map((r) => r.url)).toEqual(['https://www.nhc.gov.cn/wjw/zcwj/list.shtml', 'https://www.nhc.gov.cn/wjw/zcwj/list_2.shtml']);
    const gfxwjj = columns.find((c) => c.id === 'gfxwjj')!;
    expect(parseList(savedPage(gfxwjj.first.url), gfxwjj.first, gfxwjj).next).toBeNull();
  });

  it('covers every saved page once across both columns (one page is listed in both)', () => {
    const all = columns.flatMap((c) => readColumn(c).items.map((i) => i.url));
    expect(new Set(all)).toEqual(new Set(pageUrls));
    expect(all.length - new Set(all).size).toBe(1);
  });

  it('drops 解读 rows, file rows and links to other sites, and reads single-quoted titles', () => {
    const items = columns.flatMap((c) => readColumn(c).items);
    expect(items.some((i) => /解读/.test(i.title ?? ''))).toBe(false);
    expect(items.some((i) => /\.pdf$|gov\.cn\/zhengce/.test(i.url))).toBe(false);
    const seven = items.find((i) => i.url === byNotice('07'));
    expect(seven).toMatchObject({ title: '国家卫生健康委员会公告 2022年第7号', date: '2022-12-26' });
  });

  it('reports pages that are not a list of this source', () => {
    const column = columns[0]!;
    expect(() => parseList('<html><body><h1>系统维护中</h1></body></html>', column.first, column)).toThrow(ListLayoutError);
    expect(() => parseList('<html><body><h1>系统维护中</h1></body></html>', column.first, column)).toThrow(/no ul\.zxxx_list/);
    const page1 = savedPage(column.first.url);
    const page2 = { url: 'https://www.nhc.gov.cn/wjw/zcwj/list_2.shtml', expect: 'html' as const };
    expect(() => parseList(page1, page2, column)).toThrow(/asked for page 2 but the pager says page 1/);
  });

  it('reports a 瑞数 challenge served instead of the list as an anti-bot challenge', () => {
    const column = columns[0]!;
    expect(() => parseList(ruishu, column.first, column)).toThrow(ListLayoutError);
    expect(() => parseList(ruishu, column.first, column)).toThrow(/anti-bot challenge \(瑞数/);
  });
});

describe('nhc detail pages (saved pages against expected.json)', () => {
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
    expect(n.origin).toBe(want.origin);
    expect(n.attachments).toEqual(want.attachments);
    expect(noSpace(n.bodyText).startsWith(noSpace(want.body_starts_with))).toBe(true);
    expect(noSpace(n.bodyText).endsWith(noSpace(want.body_ends_with))).toBe(true);
    expect(n.bodyText.split('\n')).toHaveLength(want.body_paragraphs);
    for (const chrome of want.body_must_not_contain) expect(n.bodyText).not.toContain(chrome);
    expect(result.warnings).toEqual([]);
  });

  it('keeps 07.json at its official path', () => {
    expect(byNotice('07')).toBe('https://www.nhc.gov.cn/xcs/zhengcwj/202212/6630916374874368b9fea6c2253289e1.shtml');
    expect(existsSync(fileOf(byNotice('07')))).toBe(true);
  });

  it('has a 404 entry: listed, but no saved page', () => {
    const missing = pageUrls.filter((u) => expected[u].reason === 'http 404');
    expect(missing).toHaveLength(1);
    expect(existsSync(fileOf(missing[0]!))).toBe(false);
  });

  it('falls back to div.tit, the 发布时间 line and the list date when the meta tags are missing', () => {
    const url = byNotice('04');
    const bare = savedPage(url).replace(/<meta name="(ArticleTitle|PubDate)"[^>]*>/g, '');
    const result = parseDetail(bare, url);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.notice.titleZh).toBe('中华人民共和国国家卫生健康委员会公告');
    expect(result.notice.docNumber).toBe('2020年第1号');
    expect(result.notice.publishedDate).toBe('2020-01-20');
    const noDate = bare.replace(/<span>发布时间：[^<]*<\/span>/, '');
    const item: ListItem = { url, column: 'zcwj', title: null, date: '2020-01-21' };
    const fromList = parseDetail(noDate, url, item);
    expect(fromList.ok && fromList.notice.publishedDate).toBe('2020-01-21');
  });

  it('turns a bad PubDate into a warning and reads the 发布时间 line instead', () => {
    const url = byNotice('07');
    const html = savedPage(url).replace('content="2022-12-26 22:38:07"', 'content="2022-12-32 22:38:07"');
    const result = parseDetail(html, url);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.warnings.join(' ')).toMatch(/PubDate .*not a valid date/);
    expect(result.notice.publishedDate).toBe('2022-12-26');
  });

  it('names the commission itself when the title names no issuer', () => {
    const url = byNotice('28');
    const html = savedPage(url).replaceAll('国家医疗保障局 财政部关于做好', '关于做好');
    const result = parseDetail(html, url);
    expect(result.ok && result.notice.issuerNames).toEqual(['中华人民共和国国家卫生健康委员会']);
    expect(result.ok && result.notice.docNumber).toBe('国医保电〔2020〕5号');
  });

  it('finds the document’s files outside the body too, not other links', () => {
    const url = byNotice('01');
    const html = savedPage(url).replace(
      '<div class="fx fr">',
      `<div class="xgfj"><a href="${url.split('/').pop()!.replace('.shtml', '')}/files/extra.docx">附表.docx</a> <a href="/wjw/gfxwj/202001/other/files/x.pdf">其他文件.pdf</a></div><div class="fx fr">`,
    );
    const result = parseDetail(html, url);
    expect(result.ok && result.notice.attachments.map((a) => a.name)).toEqual(['国科发智〔2020〕167号.pdf', '附表.docx']);
  });

  it('reports the 瑞数 page served with 200 as a challenge', () => {
    const result = parseDetail(ruishu, byNotice('07'));
    expect(result).toMatchObject({ ok: false, problem: { code: 'challenge' } });
    if (!result.ok) expect(result.problem.message).toMatch(/瑞数/);
    expect(detectChallenge(ruishu)?.vendor).toBe('瑞数');
    expect(detectChallenge(savedPage(byNotice('07')))).toBeNull();
  });

  it('decodes a GBK copy of a page through its <meta charset> (the site serves UTF-8)', () => {
    const url = byNotice('04');
    const utf8 = savedPage(url);
    const bytes = new Uint8Array(iconv.encode(utf8.replace('charset=utf-8', 'charset=gb2312'), 'gb18030'));
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();
    const decoded = decodeBody(bytes, 'text/html', true);
    expect(decoded.charset).toBe('gb18030');
    const result = parseDetail(decoded.text, url);
    expect(result.ok && result.notice.titleZh).toBe(expected[url].title_zh);
    expect(result.ok && noSpace(result.notice.bodyText).endsWith(noSpace(expected[url].body_ends_with))).toBe(true);
  });

  it('describes itself', () => {
    expect(source.id).toBe('nhc');
    expect(source.baseUrl).toBe('https://www.nhc.gov.cn');
    expect(source.needsBrowser).toBe(true);
    expect(source.columns.map((c) => c.id)).toEqual(['zcwj', 'gfxwjj']);
    expect(source.schedule.split(' ')).toHaveLength(5);
    expect(isDetailUrl('https://www.nhc.gov.cn/xcs/zhengcwj/202212/6630916374874368b9fea6c2253289e1.shtml')).toBe(true);
    expect(isDetailUrl('https://www.nhc.gov.cn/wjw/c100175/202208/78fa9a585afa6a1d884367a4f1db183f.shtml')).toBe(true);
    expect(isDetailUrl('https://www.nhc.gov.cn/wjw/gfxwj/201304/b64543eaaee1463992e8ce97441c59bb.shtml')).toBe(true);
    expect(isDetailUrl('https://www.nhc.gov.cn/wjw/zcwj/list.shtml')).toBe(false);
    expect(isDetailUrl('https://www.nhc.gov.cn/xcs/zhengcwj/202212/6630916374874368b9fea6c2253289e1/files/a.pdf')).toBe(false);
    expect(isDetailUrl('https://www.gov.cn/xcs/zhengcwj/202212/6630916374874368b9fea6c2253289e1.shtml')).toBe(false);
    expect(canonicalUrl('http://nhc.gov.cn/xcs/zhengcwj/202212/6630916374874368b9fea6c2253289e1.shtml')).toBe(
      'https://www.nhc.gov.cn/xcs/zhengcwj/202212/6630916374874368b9fea6c2253289e1.shtml',
    );
  });

  it('never throws on arbitrary or cut-up pages: a notice or a typed problem', () => {
    const sample = savedPage(byNotice('07'));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.nat(sample.length).map((n) => sample.slice(0, n) + (n % 2 ? '</html>' : '')),
          fc.shuffledSubarray(sample.split('\n')).map((lines) => lines.join('\n')),
          fc.nat(ruishu.length).map((n) => ruishu.slice(0, n)),
        ),
        (html) => {
          const result = parseDetail(html, byNotice('07'));
          if (result.ok) expect(result.notice.titleZh.length).toBeGreaterThan(0);
          else expect(['truncated', 'no_title', 'no_body', 'malformed', 'challenge']).toContain(result.problem.code);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('list parsing throws nothing but ListLayoutError on random, cut and shuffled pages', () => {
    const column = columns[0]!;
    const list = savedPage(column.first.url);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.nat(list.length).map((n) => list.slice(0, n)),
          fc.shuffledSubarray(list.split('\n')).map((lines) => lines.join('\n')),
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

describe('nhc helpers', () => {
  it('splits 公告 numbers off titles and reads issuers and signature dates', () => {
    expect(splitAnnouncementNumber('中华人民共和国国家卫生健康委员会公告（2020年第1号）')).toEqual({ title: '中华人民共和国国家卫生健康委员会公告', number: '2020年第1号' });
    expect(splitAnnouncementNumber('国家卫生健康委员会公告 2022年 第7号')).toEqual({ title: '国家卫生健康委员会公告', number: '2022年第7号' });
    expect(splitAnnouncementNumber('国家医疗保障局 财政部关于做好新型冠状病毒感染的肺炎疫情医疗保障的通知（国医保电〔2020〕5号）')).toBeNull();
    expect(issuersFromTitle('中华人民共和国国家卫生健康委员会公告')).toEqual(['中华人民共和国国家卫生健康委员会']);
    expect(issuersFromTitle('科技部 中央宣传部 卫生健康委 中国科协关于举办2020年全国科技活动周的通知')).toEqual(['科技部', '中央宣传部', '卫生健康委', '中国科协']);
    expect(issuersFromTitle('国家数据局等部门关于印发《“数据要素×”三年行动计划(2024—2026年)》的通知')).toEqual(['国家数据局']);
    expect(signatureDate('特此公告。\n国家卫生健康委\n2022年12月26日')).toBe('2022-12-26');
  });
});

describe('nhc over HTTP (mirror server)', () => {
  let server: MirrorServer;
  beforeAll(async () => {
    server = await startMirrorServer(mirror);
  });
  afterAll(async () => {
    await server?.close();
  });

  const client = () =>
    new HttpClient({
      userAgent: 'ChinaPolicyTracker/test',
      hostMap: new Map([[HOST, new URL(server.origin)]]),
      rateLimits: new Map([['*', 1000]]),
      timeoutMs: 5_000,
      retries: 0,
      backoffMs: 10,
      maxBytes: 1024 * 1024,
      robots: true,
    });

  it('reads every list page and every listed page as the scraper would (once a browser gets past 瑞数)', async () => {
    const http = client();
    const items: ListItem[] = [];
    for (const column of columns) {
      let request: ListRequest | null = column.first;
      while (request) {
        const page = await http.fetchPage({ url: request.url, expect: request.expect });
        const parsed = parseList(page.text, request, column);
        items.push(...parsed.items);
        request = parsed.next;
      }
    }
    const unique = [...new Map(items.map((i) => [i.url, i])).values()];
    expect(unique).toHaveLength(expected._lists.unique);
    for (const item of unique) {
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

  it('serves the saved 瑞数 page with HTTP 412: the client reports a challenge; with 200 the parser does', async () => {
    const column = columns[0]!;
    const path = new URL(column.first.url).pathname;
    server.faults.set(path, { status: 412, body: ruishu, headers: { 'set-cookie': 'sVoELocvxVW0S=5a1b2c3d4e; Path=/; expires=Wed, 01 Jan 2031 00:00:00 GMT; HttpOnly' } });
    const raw = await fetch(server.origin + path);
    expect(raw.status).toBe(412);
    expect(await raw.text()).toContain('$_ts');
    const error = await client()
      .fetchPage({ url: column.first.url, expect: 'html' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FetchError);
    expect(error).toMatchObject({ kind: 'challenge', status: 412 });
    server.faults.set(path, { status: 200, body: ruishu });
    const page = await client().fetchPage({ url: column.first.url, expect: 'html' });
    expect(() => parseList(page.text, column.first, column)).toThrow(/anti-bot challenge \(瑞数/);
    server.faults.delete(path);
  });
});
